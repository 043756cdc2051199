// Package payment holds the abigen (v2) Go binding of the InferencePayment contract,
// generated from the compiled artifact in contracts/build.
package payment

//go:generate go tool abigen --v2 --abi ../../../contracts/build/InferencePayment.abi --bin ../../../contracts/build/InferencePayment.bin --pkg payment --type InferencePayment --out binding.go
