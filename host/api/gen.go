package api

// Go code for the gRPC API, from the .proto files beside this one; protoc
// is Debian's protobuf-compiler, the plugins are pinned in go.mod as tools.
//go:generate sh -c "protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) --plugin=protoc-gen-go-grpc=$(go tool -n protoc-gen-go-grpc) -I . --go_out=pb --go_opt=paths=source_relative --go-grpc_out=pb --go-grpc_opt=paths=source_relative registry.proto gateway.proto"
