// Package registry is the registry/validator role: it keeps the network's
// view of nodes (liveness from heartbeats), subnets and models, the mempool
// of pending validations with their TTLs, and reputation; and as a
// validator it checks and signs, M of N, the price before payment
// (Preprocessing) and the result after it (Completion). Any registry node
// can coordinate a quorum: it picks N validators with the subnet's select
// plugin, seeded by the request id so anyone can recompute the choice, asks
// them in parallel over gRPC and answers once M have signed.
package registry
