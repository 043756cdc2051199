// Package compute is the compute node role: it runs model workers inside
// the sandbox and (in later parts) registers with the registry network,
// takes tasks from gateways and signs their results.
package compute
