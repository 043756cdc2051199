// Package chain is the host's side of on-chain settlement: the EIP-712
// messages validators and compute nodes sign (Preprocessing, ComputeResult,
// Completion), the Backend the rest of the host talks to (an embedded
// go-ethereum chain by default, or any JSON-RPC endpoint), contract
// deployment, and the escrow and validator-registry clients that submit
// transactions with managed nonces and retries.
//
// Go and Solidity share one definition of every signed message; the JSON
// vectors in testdata are checked on both sides.
package chain
