// Package pb is the Go generated from the network's .proto files in
// host/api (make generate); do not edit the *.pb.go files.
package pb
