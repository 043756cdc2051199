package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"text/tabwriter"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed
	exitUsage = 2 // the command line was wrong: unknown command or flag, missing or bad value
)

// env is what a command sees of its process: output streams and the
// environment.
type env struct {
	stdin          io.Reader // nil: no input
	stdout, stderr io.Writer
	getenv         func(string) string
}

// logger is the structured logger commands hand to libraries: warnings and
// errors, on stderr.
func (e env) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// command is one subcommand: its words ("chain serve"), a one-line summary
// for `ncn --help`, and what runs it with the arguments after its words.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"chain serve", "run a development chain over JSON-RPC: contracts deployed, dev accounts funded and staked", runChainServe},
		{"chain deploy", "deploy the NCN contracts to a chain over JSON-RPC and print their addresses", runChainDeploy},
		{"chain demo", "pay for, settle and refund requests on an in-process chain and check token conservation", runChainDemo},
		{"plugin build", "build a Go plugin package to a reproducible .wasm", runPluginBuild},
		{"plugin sign", "write a plugin's manifest, signed, after loading it as a host would", runPluginSign},
		{"plugin run", "call a plugin on one input document under a host's limits", runPluginRun},
		{"plugin test", "run the ABI test vectors and the manifest's self-tests against a plugin", runPluginTest},
		{"registry", "run a registry/validator node: p2p registry network, node liveness, M-of-N price and result signing", runRegistry},
		{"gateway", "run a gateway: quotes, paid requests over gRPC and HTTP, dispatch to compute nodes, settlement on chain", runGateway},
		{"compute", "run a compute node: sandboxed model workers, registered with the registry, tasks from a gateway, signed results", runCompute},
		{"subnet create", "create a subnet you own on the registry network, served by the builtin plugins", runSubnetCreate},
		{"subnet update", "change a subnet you own: parameters, quorum, models", runSubnetUpdate},
		{"subnet show", "print a subnet: owner, active plugins with versions and hashes, config hash", runSubnetShow},
		{"subnet list", "list the subnets a registry knows", runSubnetList},
		{"subnet plugin upload", "upload a signed plugin for a subnet; the registry runs its self-tests", runSubnetPluginUpload},
		{"subnet plugin activate", "make uploaded plugins a subnet's, signed by its owner: a new config hash", runSubnetPluginActivate},
		{"subnet plugin rollback", "re-activate a subnet's earlier plugin set", runSubnetPluginRollback},
		{"subnet plugin list", "list stored plugins, or those active in a subnet", runSubnetPluginList},
		{"subnet model add", "register a model bundle in a subnet you own and upload its files, of any size", runSubnetModelAdd},
		{"subnet model push", "upload a registered model's bundle files to a registry node (resumes; no key needed)", runSubnetModelPush},
		{"sandbox check", "print each sandbox layer, whether this kernel supports it, and try the profile", runSandboxCheck},
		{"sandbox run", "run any command inside the model sandbox, to test this machine", runSandboxRun},
		{"gpu info", "print this machine's GPUs (or CPU) and how worker slots would be placed on them", runGPUInfo},
		{"devnet", "run the whole network on this machine: chain, 5 validators, a gateway, 2 compute nodes; --requests N pays and settles N", runDevnet},
		{"client estimate", "ask a gateway what a request would cost: amounts, config hash, expiry", runClientEstimate},
		{"client infer", "pay for one inference through a gateway and print its result once settled", runClientInfer},
		{"client status", "print a request's state, compute node, transactions and result", runClientStatus},
		{"client watch", "follow a request: state changes and streamed tokens until it ends", runClientWatch},
		{"keys new", "create a key and write it as an encrypted geth keystore file", runKeysNew},
		{"keys list", "list the keystore files of a keystore directory: address and path", runKeysList},
		{"keys import", "encrypt a hex private key file into the keystore directory", runKeysImport},
		{"keys address", "print the address of a keystore or hex key file", runKeysAddress},
	}
}

// usageError is a wrong command line: exit code 2 and a pointer to --help.
type usageError struct {
	cmd string // "chain deploy", or "" for the top level
	err error
}

func (u *usageError) Error() string { return u.err.Error() }
func (u *usageError) Unwrap() error { return u.err }

func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, err: fmt.Errorf(format, args...)}
}

// run runs the command line args and returns the exit code.
func run(ctx context.Context, args []string, e env) int {
	cmd, rest, err := lookup(args, e)
	if err == nil {
		err = cmd.run(ctx, e, rest)
	}
	var ue *usageError
	var ce *exitCodeError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ce):
		return ce.code
	case errors.As(err, &ue):
		prefix, help := "ncn", "ncn --help"
		if ue.cmd != "" {
			prefix, help = "ncn "+ue.cmd, "ncn "+ue.cmd+" --help"
		}
		fmt.Fprintf(e.stderr, "%s: %v\nRun '%s' for usage.\n", prefix, ue.err, help)
		return exitUsage
	default:
		fmt.Fprintf(e.stderr, "ncn %s: %v\n", cmd.name, err)
		return exitError
	}
}

// lookup finds the command args name and returns it with the arguments
// after its words. Help for the top level or a group ("ncn chain") is
// printed here and returned as flag.ErrHelp.
func lookup(args []string, e env) (command, []string, error) {
	cmds := commands()
	if len(args) == 0 {
		printTopUsage(e.stderr, cmds, "")
		return command{}, nil, usagef("", "no command given")
	}
	if isHelp(args[0]) {
		if len(args) > 1 && args[0] == "help" {
			// `ncn help chain serve` is `ncn chain serve --help`.
			return lookup(append(slices.Clone(args[1:]), "--help"), e)
		}
		printTopUsage(e.stdout, cmds, "")
		return command{}, nil, flag.ErrHelp
	}
	for _, c := range cmds {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && slices.Equal(args[:len(words)], words) {
			return c, args[len(words):], nil
		}
	}
	group := args[0]
	inGroup := slices.ContainsFunc(cmds, func(c command) bool { return strings.HasPrefix(c.name, group+" ") })
	switch {
	case !inGroup:
		return command{}, nil, usagef("", "unknown command %q", group)
	case len(args) > 1 && isHelp(args[1]):
		printTopUsage(e.stdout, cmds, group)
		return command{}, nil, flag.ErrHelp
	case len(args) == 1:
		printTopUsage(e.stderr, cmds, group)
		return command{}, nil, usagef(group, "missing subcommand")
	default:
		return command{}, nil, usagef(group, "unknown command %q", group+" "+args[1])
	}
}

func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

// printTopUsage lists the commands, or those of one group.
func printTopUsage(w io.Writer, cmds []command, group string) {
	name, prefix := "ncn", ""
	if group == "" {
		fmt.Fprintln(w, "ncn is the NCN host: one binary for every role of the network and the tools around them.")
		fmt.Fprintln(w)
	} else {
		name, prefix = "ncn "+group, group+" "
	}
	fmt.Fprintf(w, "Usage:\n  %s <command> [flags]\n\nCommands:\n", name)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, c := range cmds {
		if sub, ok := strings.CutPrefix(c.name, prefix); ok {
			fmt.Fprintf(tw, "  %s\t%s\n", sub, c.summary)
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "\nRun '%s <command> --help' for a command's flags and examples.\n", name)
}

// flags is one command's flag set with its help text.
type flags struct {
	*flag.FlagSet
	cmd      string // "chain serve"
	synopsis string // the usage line after "ncn <cmd> "
	help     string // description and examples
}

func newFlags(cmd, synopsis, help string) *flags {
	fs := flag.NewFlagSet("ncn "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by run, help by parse
	return &flags{FlagSet: fs, cmd: cmd, synopsis: synopsis, help: help}
}

// parse parses args. --help prints the help to stdout and returns flag.ErrHelp;
// a bad flag or a stray argument is a usageError.
func (f *flags) parse(e env, args []string) error {
	err := f.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		f.printHelp(e.stdout)
		return flag.ErrHelp
	case err != nil:
		return &usageError{cmd: f.cmd, err: err}
	case f.NArg() > 0:
		return f.usagef("unexpected argument %q", f.Arg(0))
	}
	return nil
}

func (f *flags) usagef(format string, args ...any) error { return usagef(f.cmd, format, args...) }

func (f *flags) printHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: ncn %s %s\n\n%s\n\nFlags:\n", f.cmd, f.synopsis, strings.TrimSpace(f.help))
	f.SetOutput(w)
	f.PrintDefaults()
	f.SetOutput(io.Discard)
}
