// Package sandbox starts a command inside a native Linux sandbox: new user,
// PID, network, mount, IPC and UTS namespaces; a private root holding only
// the paths the policy names; Landlock; a seccomp allowlist; rlimits; cgroup
// memory and pids limits; and a wall-clock deadline after which the whole
// process tree is killed and reaped.
//
// A Policy is plain data. Start re-executes the current binary as the
// sandbox's stage two ("init"), which builds the namespaces' contents, applies
// the layers in order and finally execs the command, so the command becomes
// PID 1 of its own tree. Every binary that calls Start must therefore call
// InitMain first thing in main (and in TestMain for tests).
//
// Each layer lives in a file of its own: namespaces.go, mounts.go,
// landlock.go, seccomp.go (rules as data in seccomp_rules.go), rlimit.go,
// cgroup.go.
package sandbox
