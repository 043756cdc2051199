// Package api holds the network's gRPC API: the .proto files and, in pb,
// the Go generated from them, shared by the roles and their clients.
package api
