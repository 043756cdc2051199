// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @notice What the registry needs from the payment contract: the EIP-712
/// digest of a Completion message in the payment contract's domain, so that
/// equivocation evidence is checked against exactly what validators sign.
interface ICompletionHasher {
    function completionDigest(bytes32 requestId, bytes32 resultHash, address computeNode, uint64 execMillis)
        external
        view
        returns (bytes32);
}

/// @title ValidatorRegistry
/// @notice Validators stake NCN to sign prices and results. A validator is
/// active while it is registered, not jailed, has at least the minimum stake
/// and has not asked to leave. Slashing moves stake to the treasury and jails.
contract ValidatorRegistry is Ownable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Offenses of the validation design, each with its penalty.
    enum Offense {
        InvalidSignature, // 50%
        Collusion, // 100%
        ApprovingInvalidResult, // 30%
        ProlongedDowntime, // 10%
        FrontRunning, // 50%
        Equivocation // 100%, permissionless with proof
    }

    struct Validator {
        uint256 stake; // active stake, slashable
        uint256 unstaking; // requested to leave, still slashable until withdrawn
        uint64 unstakeAvailableAt; // when `unstaking` may be withdrawn
        bool registered;
        bool jailed; // set by any slash; cleared only by the owner
        bool leaving; // asked to unstake everything: no longer active
    }

    uint256 private constant BPS = 10_000;

    IERC20 public immutable token;
    address public treasury;
    uint256 public minStake;
    uint64 public unstakeDelay;
    ICompletionHasher public payment;

    mapping(address => Validator) private _validators;
    address[] private _registered;
    mapping(bytes32 => bool) public evidenceUsed;

    event ValidatorRegistered(address indexed validator, uint256 stake);
    event StakeAdded(address indexed validator, uint256 amount, uint256 stake);
    event UnstakeRequested(address indexed validator, uint256 amount, uint64 availableAt);
    event Withdrawn(address indexed validator, uint256 amount);
    event Slashed(address indexed validator, Offense indexed offense, uint256 amount, address reporter);
    event Reinstated(address indexed validator);
    event MinStakeChanged(uint256 minStake);
    event UnstakeDelayChanged(uint64 delay);
    event TreasuryChanged(address treasury);
    event PaymentContractSet(address payment);

    error ZeroAddress();
    error AlreadyRegistered();
    error NotRegistered();
    error StakeBelowMinimum(uint256 stake, uint256 minStake);
    error ZeroAmount();
    error InvalidUnstakeAmount(uint256 amount, uint256 stake);
    error NothingToWithdraw();
    error UnstakeLocked(uint64 availableAt);
    error Jailed();
    error NotJailed();
    error NothingToSlash();
    error PaymentContractAlreadySet();
    error PaymentContractNotSet();
    error NotEquivocation();
    error EvidenceAlreadyUsed();
    error WrongSigner(address recovered);

    constructor(IERC20 token_, address treasury_, uint256 minStake_, uint64 unstakeDelay_, address owner_)
        Ownable(owner_)
    {
        if (address(token_) == address(0) || treasury_ == address(0)) revert ZeroAddress();
        token = token_;
        treasury = treasury_;
        minStake = minStake_;
        unstakeDelay = unstakeDelay_;
    }

    // ---- staking ----

    /// @notice Register the caller with `amount` stake (approve it first).
    function registerValidator(uint256 amount) external nonReentrant {
        Validator storage v = _validators[msg.sender];
        if (v.registered) revert AlreadyRegistered();
        if (amount < minStake || amount == 0) revert StakeBelowMinimum(amount, minStake);
        v.registered = true;
        v.stake = amount;
        _registered.push(msg.sender);
        emit ValidatorRegistered(msg.sender, amount);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Add to the caller's active stake.
    function addStake(uint256 amount) external nonReentrant {
        Validator storage v = _validators[msg.sender];
        if (!v.registered) revert NotRegistered();
        if (amount == 0) revert ZeroAmount();
        v.stake += amount;
        if (v.leaving) v.leaving = false; // staking again means staying
        emit StakeAdded(msg.sender, amount, v.stake);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Move `amount` of stake to the unstaking queue. What stays must
    /// be at least the minimum, or be zero (which deactivates the validator).
    /// Each request restarts the delay for the whole queued amount.
    function requestUnstake(uint256 amount) external nonReentrant {
        Validator storage v = _validators[msg.sender];
        if (!v.registered) revert NotRegistered();
        if (amount == 0 || amount > v.stake) revert InvalidUnstakeAmount(amount, v.stake);
        uint256 remaining = v.stake - amount;
        if (remaining != 0 && remaining < minStake) revert InvalidUnstakeAmount(amount, v.stake);
        v.stake = remaining;
        v.unstaking += amount;
        if (remaining == 0) v.leaving = true;
        uint64 at = uint64(block.timestamp) + unstakeDelay;
        v.unstakeAvailableAt = at;
        emit UnstakeRequested(msg.sender, amount, at);
    }

    /// @notice Withdraw the unstaking queue once its delay has passed.
    function withdraw() external nonReentrant {
        Validator storage v = _validators[msg.sender];
        uint256 amount = v.unstaking;
        if (amount == 0) revert NothingToWithdraw();
        if (block.timestamp < v.unstakeAvailableAt) revert UnstakeLocked(v.unstakeAvailableAt);
        v.unstaking = 0;
        emit Withdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ---- slashing ----

    /// @notice Penalty of an offense in basis points.
    function penaltyBps(Offense offense) public pure returns (uint256) {
        if (offense == Offense.InvalidSignature) return 5_000;
        if (offense == Offense.Collusion) return 10_000;
        if (offense == Offense.ApprovingInvalidResult) return 3_000;
        if (offense == Offense.ProlongedDowntime) return 1_000;
        if (offense == Offense.FrontRunning) return 5_000;
        return 10_000; // Equivocation
    }

    /// @notice Slash `validator` for `offense`; the penalty goes to the treasury.
    function slash(address validator, Offense offense) external onlyOwner nonReentrant {
        _slash(validator, offense, msg.sender);
    }

    /// @notice One signed Completion message, as evidence.
    struct SignedCompletion {
        bytes32 resultHash;
        address computeNode;
        uint64 execMillis;
        bytes signature;
    }

    /// @notice Anyone may prove that `validator` signed two Completion messages
    /// for the same request with different result hashes; the whole stake is
    /// slashed. Each pair of signatures counts once.
    function slashForEquivocation(
        address validator,
        bytes32 requestId,
        SignedCompletion calldata a,
        SignedCompletion calldata b
    ) external nonReentrant {
        if (address(payment) == address(0)) revert PaymentContractNotSet();
        if (a.resultHash == b.resultHash) revert NotEquivocation();
        bytes32 digestA = _signedBy(validator, requestId, a);
        bytes32 digestB = _signedBy(validator, requestId, b);
        // Order-independent key so (A,B) and (B,A) are the same evidence.
        (bytes32 lo, bytes32 hi) = digestA < digestB ? (digestA, digestB) : (digestB, digestA);
        bytes32 key = keccak256(abi.encode(validator, lo, hi));
        if (evidenceUsed[key]) revert EvidenceAlreadyUsed();
        evidenceUsed[key] = true;
        _slash(validator, Offense.Equivocation, msg.sender);
    }

    function _signedBy(address validator, bytes32 requestId, SignedCompletion calldata c)
        private
        view
        returns (bytes32 digest)
    {
        digest = payment.completionDigest(requestId, c.resultHash, c.computeNode, c.execMillis);
        address signer = ECDSA.recover(digest, c.signature);
        if (signer != validator) revert WrongSigner(signer);
    }

    function _slash(address validator, Offense offense, address reporter) private {
        Validator storage v = _validators[validator];
        if (!v.registered) revert NotRegistered();
        uint256 bps = penaltyBps(offense);
        // Stake waiting to be withdrawn is still slashable: leaving does not
        // outrun a penalty.
        uint256 fromStake = (v.stake * bps) / BPS;
        uint256 fromUnstaking = (v.unstaking * bps) / BPS;
        uint256 amount = fromStake + fromUnstaking;
        if (amount == 0) revert NothingToSlash();
        v.stake -= fromStake;
        v.unstaking -= fromUnstaking;
        v.jailed = true;
        emit Slashed(validator, offense, amount, reporter);
        token.safeTransfer(treasury, amount);
    }

    /// @notice Owner lets a jailed validator sign again (it still needs the minimum stake).
    function reinstate(address validator) external onlyOwner {
        Validator storage v = _validators[validator];
        if (!v.registered) revert NotRegistered();
        if (!v.jailed) revert NotJailed();
        v.jailed = false;
        emit Reinstated(validator);
    }

    // ---- administration ----

    function setMinStake(uint256 minStake_) external onlyOwner {
        minStake = minStake_;
        emit MinStakeChanged(minStake_);
    }

    function setUnstakeDelay(uint64 delay) external onlyOwner {
        unstakeDelay = delay;
        emit UnstakeDelayChanged(delay);
    }

    function setTreasury(address treasury_) external onlyOwner {
        if (treasury_ == address(0)) revert ZeroAddress();
        treasury = treasury_;
        emit TreasuryChanged(treasury_);
    }

    /// @notice Bind the payment contract whose Completion domain equivocation
    /// proofs use. Set once, at deployment.
    function setPaymentContract(ICompletionHasher payment_) external onlyOwner {
        if (address(payment_) == address(0)) revert ZeroAddress();
        if (address(payment) != address(0)) revert PaymentContractAlreadySet();
        payment = payment_;
        emit PaymentContractSet(address(payment_));
    }

    // ---- views ----

    /// @notice Whether `validator` may sign for payments now.
    function isActiveValidator(address validator) public view returns (bool) {
        Validator storage v = _validators[validator];
        return v.registered && !v.jailed && !v.leaving && v.stake >= minStake && v.stake != 0;
    }

    function getValidator(address validator) external view returns (Validator memory) {
        return _validators[validator];
    }

    function registeredCount() external view returns (uint256) {
        return _registered.length;
    }

    /// @notice The active set with each validator's stake, in registration order.
    function activeValidators() external view returns (address[] memory addrs, uint256[] memory stakes) {
        uint256 n = _registered.length;
        uint256 count;
        for (uint256 i; i < n; ++i) {
            if (isActiveValidator(_registered[i])) ++count;
        }
        addrs = new address[](count);
        stakes = new uint256[](count);
        uint256 j;
        for (uint256 i; i < n; ++i) {
            address a = _registered[i];
            if (isActiveValidator(a)) {
                addrs[j] = a;
                stakes[j] = _validators[a].stake;
                ++j;
            }
        }
    }
}
