// Package meter makes the execution of a WebAssembly module deterministically
// bounded by rewriting it before it is compiled.
//
// wazero, which runs our Extism plugins, has no fuel or instruction counter:
// a plugin that loops forever can only be stopped by a wall-clock deadline,
// whose verdict depends on the machine and its load. Instrument instead
// rewrites the module the way blockchain WebAssembly runtimes meter gas. It
// adds a mutable i64 global holding the remaining fuel, and at every function
// entry and every loop header it subtracts a static instruction count and
// calls the host import ncn_meter.exhausted when the fuel goes negative. Every
// infinite loop and every unbounded recursion therefore ends after a number
// of steps that depends only on the module and its input: the same module
// and the same input give the same verdict on every machine.
//
// The count is static: entering a function charges every instruction of it
// that is outside any loop, entering a loop iteration charges every
// instruction directly inside that loop, both arms of an if included. It is
// an upper bound of the instructions executed, in units that are the same
// everywhere, not a measure of time. Bulk memory and table instructions
// (memory.copy, memory.fill, memory.init, table.copy, table.fill,
// table.init) also charge their length when they run: one unit per 64 bytes
// or per 8 table elements, since one of them can otherwise move gigabytes.
//
// Exported entry points are wrapped: the wrapper refills the fuel to
// Options.Budget, calls the original function and reports the instructions
// used through ncn_meter.report. Calls inside the module keep calling the
// original functions, so a plugin cannot refill its fuel by calling one of
// its own exports. Instantiation (the start function, _start, _initialize)
// runs on the global's initial value, Options.InitBudget. A host function
// that calls back into a wrapped export would refill the fuel: the meter
// assumes host functions do not re-enter the plugin.
//
// The host must provide the module "ncn_meter" with:
//
//	exhausted: () -> ()    stop the call, e.g. by panicking with an error
//	report:    (i64) -> () instructions used by the finished call
//
// Instrument takes untrusted input: it checks every count before it
// allocates, and it rejects function and global indices past the end of the
// original module, which would otherwise name a wrapper (a refill) or the
// fuel global once the module has grown. It is a pure function of its
// input, safe for concurrent use.
package meter
