// Package gateway is the gateway role: clients ask it for quotes and
// submit paid inference requests (GatewayClientService, the HTTP API, the
// WebSocket API of ws.go);
// compute nodes take tasks from it and return signed results
// (GatewayComputeService). Start runs a whole gateway (Daemon): it
// registers at the registry, loads each subnet's plugins as the registry
// serves them, prices requests with the subnet's price plugin, chooses and
// reserves a compute node with its select plugin, gathers the
// preprocessing quorum, checks the client's deposit in the escrow,
// dispatches the task, gathers the completion quorum and settles on chain
// — or refunds a paid request it cannot complete.
//
// Its foundation is the Ledger: the durable record of every request the
// gateway handles, in one bbolt file, from which a restarted gateway
// resumes or refunds what it had in flight and answers a retried client
// call with the request it already made. Every state change is written
// there before the gateway acts on it; a request's input, payment
// instructions, result and signatures are kept beside its record
// (PutPayload), each written before the transition that needs it.
//
// The ledger guarantees:
//
//   - Durable before acted on. Create, Transition and Update return only
//     once their write is committed and fsynced (bbolt's default; NoSync is
//     never set). A gateway that acts only after they return never acts on
//     a state a crash could take back. For an outside action whose outcome
//     must be found again after a crash — sending a chain transaction — it
//     notes the intent first (Update with the transaction's hash), then
//     acts, then moves on what it observes.
//
//   - One graph. A request starts quoted and moves only along the edges of
//     Edges: quoted → validated → paid → dispatched → computed →
//     completion-validated → settled, any paid state → failed → refunded,
//     and before payment → released, cancelled or expired-unpaid. Any other
//     move is refused with a *TransitionError naming both states. The graph
//     is acyclic and terminal states have no way out, so a request ends
//     exactly once and its terminal record never changes; a paid request can
//     end only settled or refunded, and one never paid can never be settled
//     or refunded. A stored record's history is checked against the graph
//     whenever it is read.
//
//   - Compare-and-set. Transition(id, from, to, mutate) moves a request
//     only if it is in from, in one transaction; of racing callers exactly
//     one wins and the others get a *ConflictError with the state found.
//
//   - What was signed stays signed. The quote and compute node are frozen
//     once validators signed them, the initiate transaction once paid, the
//     result hash once completion validators signed it; and a state cannot
//     be entered without what it stands for (paid needs the initiate
//     transaction, settled the complete transaction and completion
//     validation).
//
//   - Idempotency. A client's idempotency key (scoped to the client's
//     address) is bound to one request and the hash of its parameters;
//     Create with a known key returns that request, or
//     ErrIdempotencyConflict if the parameters differ, atomically. A key is
//     forgotten (Sweep) only after its request has been terminal for
//     Config.KeyTTL.
//
//   - Bounded history. A terminal request's payloads go after
//     Config.KeyTTL (Prune) and its record after Config.Retention
//     (Forget), so a busy gateway's file stops growing.
//
//   - Recovery without scanning history. Non-terminal requests are also
//     listed in an in-flight index, updated in the same transaction as the
//     record, so Recover reads the thousands in flight and not the millions
//     finished.
//
//   - No panic on bad data. A damaged or foreign record is an error wrapping
//     ErrCorrupt; a file of another format is ErrFormat.
//
// Records are JSON with a schema number, not protobuf: the file is read by
// people during an incident (bbolt's CLI prints values as they are), a
// private on-disk format needs no generated code kept beside it, and a
// newer schema is refused rather than misread. The cost is small against
// the fsync each write waits for: about 1.4 KB per settled record and
// tens of microseconds to encode and decode, against milliseconds.
package gateway
