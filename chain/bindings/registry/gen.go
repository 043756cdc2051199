// Package registry holds the abigen (v2) Go binding of the ValidatorRegistry contract,
// generated from the compiled artifact in contracts/build.
package registry

//go:generate go tool abigen --v2 --abi ../../../contracts/build/ValidatorRegistry.abi --bin ../../../contracts/build/ValidatorRegistry.bin --pkg registry --type ValidatorRegistry --out binding.go
