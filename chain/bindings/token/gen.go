// Package token holds the abigen (v2) Go binding of the NCNToken contract,
// generated from the compiled artifact in contracts/build.
package token

//go:generate go tool abigen --v2 --abi ../../../contracts/build/NCNToken.abi --bin ../../../contracts/build/NCNToken.bin --pkg token --type NCNToken --out binding.go
