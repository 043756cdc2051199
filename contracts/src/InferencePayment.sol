// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/// @notice What the payment contract needs from the validator registry.
interface IValidatorSet {
    function isActiveValidator(address validator) external view returns (bool);
}

/// @title InferencePayment
/// @notice Escrow for inference requests. A client deposits the fee against M
/// validator signatures over the price (Preprocessing); the request's gateway
/// settles it with the compute node's signature over the result
/// (ComputeResult) and M validator signatures over it (Completion); otherwise
/// the payer is refunded on failure or expiry. Invariant: every escrowed wei
/// ends either paid out by the tree or refunded, exactly once.
/// @dev Signatures are EIP-712 in the domain {name: "NCN", version: "2",
/// chainId, verifyingContract: this}. A validator signature set is ordered by
/// strictly ascending signer address, so a duplicate cannot count twice.
contract InferencePayment is EIP712, Ownable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    enum Status {
        None,
        Pending,
        Completed,
        Expired, // refunded by handleExpiredRequest
        Failed // refunded by markRequestFailed
    }

    /// @notice Who is paid what. The amounts sum to the deposit.
    struct PaymentTree {
        address computeNode;
        uint256 computeAmount;
        address gateway;
        uint256 gatewayAmount;
        uint256 validatorAmount; // split equally among the completion signers
        uint256 treasuryAmount; // plus the rounding dust of the validator split
    }

    /// @notice The quoted request a client pays for.
    struct RequestParams {
        bytes32 requestId;
        bytes32 subnetId;
        bytes32 modelId;
        bytes32 configHash; // hash of the subnet's plugin set and parameters at quote time
        uint64 expiresAt; // unix seconds; completion must land strictly before it
    }

    /// @notice One settlement, alone or in a batch.
    struct Completion {
        bytes32 requestId;
        bytes32 resultHash;
        uint64 execMillis;
        bytes computeSig; // compute node over ComputeResult
        bytes[] validatorSigs; // M..N validators over Completion, ascending signer
    }

    /// @dev Packed into four slots; slots 1-3 are cleared when the request ends.
    struct Request {
        address client;
        uint64 expiresAt;
        Status status;
        address gateway;
        uint96 gatewayAmount;
        address computeNode;
        uint96 computeAmount;
        uint96 validatorAmount;
        uint96 treasuryAmount;
    }

    bytes32 public constant PAYMENT_TREE_TYPEHASH = keccak256(
        "PaymentTree(address computeNode,uint256 computeAmount,address gateway,uint256 gatewayAmount,uint256 validatorAmount,uint256 treasuryAmount)"
    );
    bytes32 public constant PREPROCESSING_TYPEHASH = keccak256(
        "Preprocessing(bytes32 requestId,address client,address gateway,address computeNode,bytes32 subnetId,bytes32 modelId,uint256 amount,bytes32 treeHash,bytes32 configHash,uint64 expiresAt)"
    );
    bytes32 public constant COMPUTE_RESULT_TYPEHASH =
        keccak256("ComputeResult(bytes32 requestId,bytes32 resultHash,address computeNode,uint64 execMillis)");
    bytes32 public constant COMPLETION_TYPEHASH =
        keccak256("Completion(bytes32 requestId,bytes32 resultHash,address computeNode,uint64 execMillis)");

    /// @dev Transient-storage base for per-recipient sums inside a batch.
    bytes32 private constant _PAYOUT_SLOT = keccak256("ncn.InferencePayment.payout");

    IERC20 public immutable token;
    IValidatorSet public immutable validators;
    address public treasury;
    /// @notice Signatures needed (M) and accepted at most (N).
    uint8 public quorum;
    uint8 public maxSigners;
    /// @notice Longest time a deposit may stay in escrow, in seconds.
    uint64 public maxRequestTTL;

    mapping(bytes32 => Request) private _requests;

    event InferenceRequestInitiated(
        bytes32 indexed requestId,
        address indexed client,
        address indexed gateway,
        address computeNode,
        uint256 amount,
        uint64 expiresAt,
        bytes32 configHash
    );
    event InferenceRequestCompleted(
        bytes32 indexed requestId,
        bytes32 resultHash,
        address indexed computeNode,
        uint256 computeAmount,
        uint256 gatewayAmount,
        uint256 validatorShare,
        uint256 signers,
        uint256 treasuryAmount
    );
    event InferenceRequestRefunded(bytes32 indexed requestId, address indexed client, uint256 amount, Status reason);
    event QuorumChanged(uint8 quorum, uint8 maxSigners);
    event TreasuryChanged(address treasury);
    event MaxRequestTTLChanged(uint64 ttl);

    error ZeroAddress();
    error InvalidQuorum(uint8 quorum, uint8 maxSigners);
    error RequestExists(bytes32 requestId);
    error RequestNotPending(bytes32 requestId, Status status);
    error InvalidExpiry(uint64 expiresAt, uint256 now_);
    error RequestExpired(bytes32 requestId, uint64 expiresAt);
    error RequestNotExpired(bytes32 requestId, uint64 expiresAt);
    error ZeroAmount();
    error AmountTooLarge(uint256 amount);
    error WrongSignatureCount(uint256 count, uint8 quorum, uint8 maxSigners);
    error SignersNotAscending(address previous, address signer);
    error NotActiveValidator(address signer);
    error BadComputeSignature(address recovered, address computeNode);
    error NotGateway(address caller, address gateway);
    error NotGatewayOrOwner(address caller);
    error EmptyBatch();

    /// @param quorum_ M, the signatures needed (default 3).
    /// @param maxSigners_ N, the validators asked per request (default 5).
    constructor(
        IERC20 token_,
        IValidatorSet validators_,
        address treasury_,
        uint8 quorum_,
        uint8 maxSigners_,
        uint64 maxRequestTTL_,
        address owner_
    ) EIP712("NCN", "2") Ownable(owner_) {
        if (address(token_) == address(0) || address(validators_) == address(0) || treasury_ == address(0)) {
            revert ZeroAddress();
        }
        token = token_;
        validators = validators_;
        treasury = treasury_;
        _setQuorum(quorum_, maxSigners_);
        maxRequestTTL = maxRequestTTL_;
    }

    // ---- payment ----

    /// @notice Deposit the sum of `tree` from the caller into escrow for
    /// `req`. Approve the token first, or use initiateWithPermit.
    function initiateInferenceRequest(RequestParams calldata req, PaymentTree calldata tree, bytes[] calldata sigs)
        external
        nonReentrant
    {
        _initiate(req, tree, sigs);
    }

    /// @notice initiateInferenceRequest with an EIP-2612 permit for the
    /// deposit, so a client needs one transaction. A permit already used (for
    /// example front-run) is tolerated when the allowance is already there.
    function initiateWithPermit(
        RequestParams calldata req,
        PaymentTree calldata tree,
        bytes[] calldata sigs,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        uint256 amount = tree.computeAmount + tree.gatewayAmount + tree.validatorAmount + tree.treasuryAmount;
        try IERC20Permit(address(token)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _initiate(req, tree, sigs);
    }

    function _initiate(RequestParams calldata req, PaymentTree calldata tree, bytes[] calldata sigs) private {
        Request storage r = _requests[req.requestId];
        if (r.status != Status.None) revert RequestExists(req.requestId);
        if (req.expiresAt <= block.timestamp || req.expiresAt > block.timestamp + maxRequestTTL) {
            revert InvalidExpiry(req.expiresAt, block.timestamp);
        }
        if (tree.computeNode == address(0) || tree.gateway == address(0)) revert ZeroAddress();
        uint256 amount = tree.computeAmount + tree.gatewayAmount + tree.validatorAmount + tree.treasuryAmount;
        if (amount == 0) revert ZeroAmount();
        if (amount > type(uint96).max) revert AmountTooLarge(amount);

        bytes32 digest = _hashTypedDataV4(_preprocessingStructHash(req, msg.sender, tree, amount));
        _checkValidatorSigs(digest, sigs);

        // Effects before the token pull (checks-effects-interactions).
        r.client = msg.sender;
        r.expiresAt = req.expiresAt;
        r.status = Status.Pending;
        r.gateway = tree.gateway;
        r.gatewayAmount = uint96(tree.gatewayAmount);
        r.computeNode = tree.computeNode;
        r.computeAmount = uint96(tree.computeAmount);
        r.validatorAmount = uint96(tree.validatorAmount);
        r.treasuryAmount = uint96(tree.treasuryAmount);
        emit InferenceRequestInitiated(
            req.requestId, msg.sender, tree.gateway, tree.computeNode, amount, req.expiresAt, req.configHash
        );
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    // ---- settlement ----

    /// @notice Settle a request: only its gateway, strictly before expiry.
    function completeInferenceRequest(
        bytes32 requestId,
        bytes32 resultHash,
        uint64 execMillis,
        bytes calldata computeSig,
        bytes[] calldata validatorSigs
    ) external nonReentrant {
        Payout memory p = _settle(_requests[requestId], requestId, resultHash, execMillis, computeSig, validatorSigs);
        // Interactions last; zero amounts are skipped.
        _pay(p.computeNode, p.computeAmount);
        _pay(msg.sender, p.gatewayAmount);
        for (uint256 i; i < p.signers.length; ++i) {
            _pay(p.signers[i], p.share);
        }
        _pay(treasury, p.treasuryAmount);
    }

    /// @notice Settle many requests of the caller's in one transaction; all or
    /// nothing. Payouts to the same recipient are summed into one transfer.
    function completeInferenceRequests(Completion[] calldata items) external nonReentrant {
        uint256 n = items.length;
        if (n == 0) revert EmptyBatch();
        // Distinct compute nodes and validators; gateway and treasury are one each.
        address[] memory payees = new address[](n * (1 + uint256(maxSigners)));
        uint256 payeeCount;
        uint256 gatewayTotal;
        uint256 treasuryTotal;
        for (uint256 i; i < n; ++i) {
            Completion calldata c = items[i];
            Payout memory p =
                _settle(_requests[c.requestId], c.requestId, c.resultHash, c.execMillis, c.computeSig, c.validatorSigs);
            gatewayTotal += p.gatewayAmount;
            treasuryTotal += p.treasuryAmount;
            payeeCount = _credit(payees, payeeCount, p.computeNode, p.computeAmount);
            for (uint256 j; j < p.signers.length; ++j) {
                payeeCount = _credit(payees, payeeCount, p.signers[j], p.share);
            }
        }
        for (uint256 i; i < payeeCount; ++i) {
            address to = payees[i];
            bytes32 slot = _payoutSlot(to);
            uint256 amount;
            assembly {
                amount := tload(slot)
                tstore(slot, 0)
            }
            token.safeTransfer(to, amount);
        }
        _pay(msg.sender, gatewayTotal);
        _pay(treasury, treasuryTotal);
    }

    /// @dev What one settlement pays: the validator share is per signer; the
    /// treasury amount includes the dust of the split.
    struct Payout {
        address computeNode;
        uint256 computeAmount;
        uint256 gatewayAmount;
        uint256 share;
        uint256 treasuryAmount;
        address[] signers;
    }

    /// @dev Checks one settlement and records it as completed.
    function _settle(
        Request storage r,
        bytes32 requestId,
        bytes32 resultHash,
        uint64 execMillis,
        bytes calldata computeSig,
        bytes[] calldata validatorSigs
    ) private returns (Payout memory p) {
        if (r.status != Status.Pending) revert RequestNotPending(requestId, r.status);
        if (msg.sender != r.gateway) revert NotGateway(msg.sender, r.gateway);
        if (block.timestamp >= r.expiresAt) revert RequestExpired(requestId, r.expiresAt);
        p.computeNode = r.computeNode;

        bytes32 resultDigest = _hashTypedDataV4(
            keccak256(abi.encode(COMPUTE_RESULT_TYPEHASH, requestId, resultHash, p.computeNode, execMillis))
        );
        address signer = _recover(resultDigest, computeSig);
        if (signer != p.computeNode) revert BadComputeSignature(signer, p.computeNode);
        p.signers = _checkValidatorSigs(_completionDigest(requestId, resultHash, p.computeNode, execMillis), validatorSigs);

        p.computeAmount = r.computeAmount;
        p.gatewayAmount = r.gatewayAmount;
        uint256 validatorAmount = r.validatorAmount;
        uint256 k = p.signers.length;
        p.share = validatorAmount / k;
        p.treasuryAmount = uint256(r.treasuryAmount) + (validatorAmount - p.share * k);

        r.status = Status.Completed;
        _clearTree(r);
        emit InferenceRequestCompleted(
            requestId, resultHash, p.computeNode, p.computeAmount, p.gatewayAmount, p.share, k, p.treasuryAmount
        );
    }

    // ---- refunds ----

    /// @notice Anyone may refund the payer once a pending request has expired.
    function handleExpiredRequest(bytes32 requestId) external nonReentrant {
        Request storage r = _requests[requestId];
        if (r.status != Status.Pending) revert RequestNotPending(requestId, r.status);
        if (block.timestamp < r.expiresAt) revert RequestNotExpired(requestId, r.expiresAt);
        _refund(r, requestId, Status.Expired);
    }

    /// @notice The request's gateway (or the owner) gives up on it; the payer is refunded.
    function markRequestFailed(bytes32 requestId) external nonReentrant {
        Request storage r = _requests[requestId];
        if (r.status != Status.Pending) revert RequestNotPending(requestId, r.status);
        if (msg.sender != r.gateway && msg.sender != owner()) revert NotGatewayOrOwner(msg.sender);
        _refund(r, requestId, Status.Failed);
    }

    function _refund(Request storage r, bytes32 requestId, Status reason) private {
        uint256 amount =
            uint256(r.computeAmount) + r.gatewayAmount + uint256(r.validatorAmount) + uint256(r.treasuryAmount);
        address client = r.client;
        r.status = reason;
        _clearTree(r);
        emit InferenceRequestRefunded(requestId, client, amount, reason);
        token.safeTransfer(client, amount);
    }

    // ---- administration ----

    function setQuorum(uint8 quorum_, uint8 maxSigners_) external onlyOwner {
        _setQuorum(quorum_, maxSigners_);
    }

    function setTreasury(address treasury_) external onlyOwner {
        if (treasury_ == address(0)) revert ZeroAddress();
        treasury = treasury_;
        emit TreasuryChanged(treasury_);
    }

    function setMaxRequestTTL(uint64 ttl) external onlyOwner {
        maxRequestTTL = ttl;
        emit MaxRequestTTLChanged(ttl);
    }

    function _setQuorum(uint8 quorum_, uint8 maxSigners_) private {
        if (quorum_ == 0 || quorum_ > maxSigners_) revert InvalidQuorum(quorum_, maxSigners_);
        quorum = quorum_;
        maxSigners = maxSigners_;
        emit QuorumChanged(quorum_, maxSigners_);
    }

    // ---- views: the exact hashes that are signed ----

    function getRequest(bytes32 requestId) external view returns (Request memory) {
        return _requests[requestId];
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    function paymentTreeHash(PaymentTree calldata tree) public pure returns (bytes32) {
        return keccak256(
            abi.encode(
                PAYMENT_TREE_TYPEHASH,
                tree.computeNode,
                tree.computeAmount,
                tree.gateway,
                tree.gatewayAmount,
                tree.validatorAmount,
                tree.treasuryAmount
            )
        );
    }

    /// @notice EIP-712 digest of the Preprocessing message for `client` paying `tree`.
    function preprocessingDigest(RequestParams calldata req, address client, PaymentTree calldata tree)
        external
        view
        returns (bytes32)
    {
        uint256 amount = tree.computeAmount + tree.gatewayAmount + tree.validatorAmount + tree.treasuryAmount;
        return _hashTypedDataV4(_preprocessingStructHash(req, client, tree, amount));
    }

    function computeResultDigest(bytes32 requestId, bytes32 resultHash, address computeNode, uint64 execMillis)
        external
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(
            keccak256(abi.encode(COMPUTE_RESULT_TYPEHASH, requestId, resultHash, computeNode, execMillis))
        );
    }

    /// @notice Also used by ValidatorRegistry to check equivocation evidence.
    function completionDigest(bytes32 requestId, bytes32 resultHash, address computeNode, uint64 execMillis)
        external
        view
        returns (bytes32)
    {
        return _completionDigest(requestId, resultHash, computeNode, execMillis);
    }

    // ---- internals ----

    function _preprocessingStructHash(
        RequestParams calldata req,
        address client,
        PaymentTree calldata tree,
        uint256 amount
    ) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                PREPROCESSING_TYPEHASH,
                req.requestId,
                client,
                tree.gateway,
                tree.computeNode,
                req.subnetId,
                req.modelId,
                amount,
                paymentTreeHash(tree),
                req.configHash,
                req.expiresAt
            )
        );
    }

    function _completionDigest(bytes32 requestId, bytes32 resultHash, address computeNode, uint64 execMillis)
        private
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(COMPLETION_TYPEHASH, requestId, resultHash, computeNode, execMillis)));
    }

    /// @dev M..N signatures, signers strictly ascending, each an active validator.
    function _checkValidatorSigs(bytes32 digest, bytes[] calldata sigs) private view returns (address[] memory signers) {
        uint256 n = sigs.length;
        if (n < quorum || n > maxSigners) revert WrongSignatureCount(n, quorum, maxSigners);
        signers = new address[](n);
        address previous;
        for (uint256 i; i < n; ++i) {
            address signer = _recover(digest, sigs[i]);
            if (signer <= previous) revert SignersNotAscending(previous, signer);
            if (!validators.isActiveValidator(signer)) revert NotActiveValidator(signer);
            signers[i] = signer;
            previous = signer;
        }
    }

    /// @dev OpenZeppelin's recover: 65 bytes, v = 27/28, low s, never address(0).
    function _recover(bytes32 digest, bytes calldata sig) private pure returns (address) {
        return ECDSA.recover(digest, sig);
    }

    function _clearTree(Request storage r) private {
        r.gateway = address(0);
        r.gatewayAmount = 0;
        r.computeNode = address(0);
        r.computeAmount = 0;
        r.validatorAmount = 0;
        r.treasuryAmount = 0;
    }

    function _pay(address to, uint256 amount) private {
        if (amount != 0) token.safeTransfer(to, amount);
    }

    function _payoutSlot(address to) private pure returns (bytes32 slot) {
        slot = keccak256(abi.encode(to, _PAYOUT_SLOT));
    }

    /// @dev Adds `amount` to `to`'s transient sum, listing `to` the first time.
    function _credit(address[] memory payees, uint256 count, address to, uint256 amount) private returns (uint256) {
        if (amount == 0) return count;
        bytes32 slot = _payoutSlot(to);
        uint256 prev;
        assembly {
            prev := tload(slot)
        }
        if (prev == 0) payees[count++] = to;
        assembly {
            tstore(slot, add(prev, amount))
        }
        return count;
    }
}
