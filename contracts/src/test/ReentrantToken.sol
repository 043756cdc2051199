// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantToken (test only)
/// @notice A hostile ERC20: when the armed target sends it tokens, it calls
/// back into the target with a payload the test chose, and records whether
/// that reentrant call got through.
contract ReentrantToken is ERC20 {
    address public target;
    bytes public payload;
    bool public armed;
    uint256 public attempts;
    bool public reentrySucceeded;
    bytes public reentryRevertData;

    constructor(address holder, uint256 supply) ERC20("Reentrant", "REE") {
        _mint(holder, supply);
    }

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
        armed = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (armed && from == target) {
            armed = false; // one attempt per arming
            ++attempts;
            (bool ok, bytes memory ret) = target.call(payload);
            reentrySucceeded = ok;
            reentryRevertData = ret;
        }
    }
}
