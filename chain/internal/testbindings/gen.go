// Package testbindings holds abigen bindings of contracts that exist only to
// attack the real ones in tests (a reentrant token).
package testbindings

//go:generate go tool abigen --v2 --abi ../../../contracts/build/ReentrantToken.abi --bin ../../../contracts/build/ReentrantToken.bin --pkg testbindings --type ReentrantToken --out reentrant_token.go
