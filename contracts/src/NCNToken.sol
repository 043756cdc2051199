// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title NCNToken
/// @notice The network's payment and staking token: a fixed-supply ERC20 with
/// EIP-2612 permit, so a client can approve the escrow with a signature
/// instead of a separate transaction.
contract NCNToken is ERC20, ERC20Permit {
    /// @param holder receives the whole supply.
    /// @param supply total supply in the smallest unit (18 decimals).
    constructor(address holder, uint256 supply) ERC20("NCN Token", "NCN") ERC20Permit("NCN Token") {
        _mint(holder, supply);
    }
}
