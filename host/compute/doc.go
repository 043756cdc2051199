// Package compute is the compute node role. A Node warms a pool of
// sandboxed model workers per model bundle (gpu/worker over sandbox/),
// registers with the registry network and heartbeats to it, keeps a task
// stream open to its gateway (reconnecting when it drops), runs each task
// it receives on a warm worker within the task's deadline, streams a text
// model's tokens as they come, and returns the result hashed and signed
// (an EIP-712 ComputeResult) — or, for a task it cannot run, an error
// result without a signature.
//
// SandboxLauncher is the pool's launcher on a compute node; Start builds
// it from Config.Sandbox and refuses to start when the kernel lacks a layer
// the profile requires.
package compute
