package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/crypto"
	"golang.org/x/sys/unix"

	"github.com/ncn-network/ncn/chain"
)

// passwordFileEnv names the password file when --password-file is not given.
const passwordFileEnv = "NCN_PASSWORD_FILE"

// keyFlags are --key and --password-file, shared by every command that
// signs with a key file, and the one way such a command loads that key.
type keyFlags struct {
	cmd          string // "chain deploy", for usage errors
	role         string // whose key: "deployer", "subnet owner's"
	file         *string
	passwordFile *string
	passwordEnv  string // variable naming the password file when --password-file is empty; "" for none
}

// newKeyFlags adds --key and --password-file to f. role says whose key it
// is in the help; passwordEnv, when not "", is the environment variable
// that names the password file when --password-file is not given.
func newKeyFlags(f *flags, role, passwordEnv string) *keyFlags {
	def := "default: empty password"
	if passwordEnv != "" {
		def = "default: $" + passwordEnv + ", else empty password"
	}
	return &keyFlags{
		cmd:          f.cmd,
		role:         role,
		file:         f.String("key", "", role+" key `file`: geth keystore JSON or hex private key (required)"),
		passwordFile: f.String("password-file", "", "`file` whose first line unlocks the keystore ("+def+")"),
		passwordEnv:  passwordEnv,
	}
}

// check reports a missing --key as a usage error.
func (k *keyFlags) check() error {
	if *k.file == "" {
		return usagef(k.cmd, "--key is required: the %s key file", k.role)
	}
	return nil
}

// load reads the password and the key. Errors name the file; a wrong
// password also says where the password came from.
func (k *keyFlags) load(e env) (*ecdsa.PrivateKey, error) {
	pf, from := *k.passwordFile, "--password-file"
	if pf == "" && k.passwordEnv != "" {
		pf, from = e.getenv(k.passwordEnv), "$"+k.passwordEnv
	}
	password, err := chain.ReadPassword(pf)
	if err != nil {
		return nil, err
	}
	key, err := chain.LoadKey(*k.file, password)
	return key, unlockHint(err, pf, from)
}

// unlockHint adds to a wrong-password error which password was tried.
func unlockHint(err error, passwordFile, from string) error {
	switch {
	case !errors.Is(err, keystore.ErrDecrypt):
		return err
	case passwordFile == "":
		return fmt.Errorf("%w (the empty password: give the keystore's with --password-file)", err)
	default:
		return fmt.Errorf("%w (the first line of %s, given by %s)", err, passwordFile, from)
	}
}

// keystoreDirFlag adds --keystore, the directory of keystore files.
func (f *flags) keystoreDirFlag(e env) *string {
	return f.String("keystore", e.getenv("NCN_KEYSTORE"), "`dir`ectory of keystore files (default $NCN_KEYSTORE, else ~/.ncn/keystore)")
}

// keystoreDir is --keystore's value, or ~/.ncn/keystore.
func keystoreDir(e env, dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	home := e.getenv("HOME")
	if home == "" {
		return "", errors.New("no keystore directory: give --keystore or set NCN_KEYSTORE (HOME is not set)")
	}
	return filepath.Join(home, ".ncn", "keystore"), nil
}

// newPassFlags are the flags of the commands that encrypt a key with a
// new passphrase.
type newPassFlags struct {
	passwordFile *string
	allowEmpty   *bool
	light        *bool
}

func (f *flags) newPassFlags() newPassFlags {
	return newPassFlags{
		passwordFile: f.String("password-file", "", "`file` whose first line is the new passphrase (default $"+passwordFileEnv+", else asked)"),
		allowEmpty:   f.Bool("insecure-empty-password", false, "allow an empty passphrase; without a password file, use one without asking (development keys only)"),
		light:        f.Bool("light", false, "geth's light scrypt parameters (4 MiB, fast) instead of the standard ones (256 MiB, ~1 s to unlock)"),
	}
}

// passphrase is the passphrase that encrypts a new keystore file: the first
// line of the password file, else asked. An empty one is a usage error
// unless allowed.
func (p newPassFlags) passphrase(ctx context.Context, e env, f *flags) (string, error) {
	pf := *p.passwordFile
	if pf == "" {
		pf = e.getenv(passwordFileEnv)
	}
	var pw string
	var err error
	switch {
	case pf != "":
		pw, err = chain.ReadPassword(pf)
	case *p.allowEmpty:
		return "", nil
	default:
		pw, err = askPassphrase(ctx, e)
	}
	if err != nil {
		return "", err
	}
	if pw == "" && !*p.allowEmpty {
		return "", f.usagef("refusing an empty passphrase: give one with --password-file (or $%s) or at the prompt, or pass --insecure-empty-password", passwordFileEnv)
	}
	return pw, nil
}

// askPassphrase asks for a new passphrase twice at a terminal, without
// echo; when stdin is not a terminal it reads one line from it.
func askPassphrase(ctx context.Context, e env) (string, error) {
	if e.stdin == nil {
		return "", nil
	}
	fd, tty := terminalFD(e.stdin)
	if !tty {
		return readLine(e.stdin)
	}
	pw, err := readHidden(ctx, fd, "Passphrase for the new key: ", e.stderr)
	if err != nil {
		return "", err
	}
	again, err := readHidden(ctx, fd, "Repeat the passphrase: ", e.stderr)
	if err != nil {
		return "", err
	}
	if again != pw {
		return "", errors.New("the passphrases do not match")
	}
	return pw, nil
}

// terminalFD is r's file descriptor when r is a terminal.
func terminalFD(r io.Reader) (int, bool) {
	f, ok := r.(interface{ Fd() uintptr })
	if !ok {
		return -1, false
	}
	fd := int(f.Fd())
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return fd, err == nil
}

// readHidden prompts on w and reads a line from the terminal fd without
// echoing it. It polls rather than blocks in read so that an interrupt
// (ctx; main catches SIGINT) ends the prompt.
func readHidden(ctx context.Context, fd int, prompt string, w io.Writer) (string, error) {
	saved, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", fmt.Errorf("terminal: %w", err)
	}
	quiet := *saved
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	quiet.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return "", fmt.Errorf("terminal: %w", err)
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, saved)
	fmt.Fprint(w, prompt)
	defer fmt.Fprintln(w) // the Enter was not echoed either

	var line []byte
	buf := make([]byte, 256)
	for {
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 200)
		if ctx.Err() != nil {
			return "", fmt.Errorf("interrupted at the passphrase prompt: %w", ctx.Err())
		}
		if errors.Is(err, unix.EINTR) || (err == nil && n == 0) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("terminal: %w", err)
		}
		m, err := unix.Read(fd, buf)
		if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("terminal: %w", err)
		}
		line = append(line, buf[:m]...)
		if i := bytes.IndexByte(line, '\n'); i >= 0 || m == 0 { // a line, or end of input (Ctrl-D)
			if i >= 0 {
				line = line[:i]
			}
			return strings.TrimRight(string(line), "\r"), nil
		}
	}
}

// readLine reads one line from r, without its line end.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read passphrase from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// printKey prints a keystore file's address and path, or one JSON object.
func printKey(e env, jsonOut bool, k chain.KeystoreFile) error {
	if jsonOut {
		return json.NewEncoder(e.stdout).Encode(k)
	}
	_, err := fmt.Fprintf(e.stdout, "address  %s\npath     %s\n", k.Address.Hex(), k.Path)
	return err
}

const keysNewHelp = `
Creates a secp256k1 key and writes it, encrypted with a passphrase, as a
geth keystore file (version 3, scrypt) into the keystore directory, then
prints its address and path. The file works wherever a command takes --key,
and with geth and other Ethereum tools.

The passphrase is the first line of --password-file (default
$NCN_PASSWORD_FILE). Without one it is asked twice at a terminal, without
echo, or read as one line from stdin when stdin is not a terminal. An empty
passphrase is refused unless --insecure-empty-password is given.

Environment:
  NCN_KEYSTORE        default for --keystore (else ~/.ncn/keystore)
  NCN_PASSWORD_FILE   default for --password-file

Examples:
  ncn keys new
  ncn keys new --keystore ./keys --password-file pw.txt --json
  ncn keys new --keystore ./dev --light --insecure-empty-password
`

func runKeysNew(ctx context.Context, e env, args []string) error {
	f := newFlags("keys new", "[flags]", keysNewHelp)
	dirFlag := f.keystoreDirFlag(e)
	pass := f.newPassFlags()
	jsonOut := f.Bool("json", false, "print {\"address\", \"path\"} as one JSON line")
	if err := f.parse(e, args); err != nil {
		return err
	}
	dir, err := keystoreDir(e, *dirFlag)
	if err != nil {
		return err
	}
	password, err := pass.passphrase(ctx, e, f)
	if err != nil {
		return err
	}
	key, err := crypto.GenerateKey()
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	path, err := chain.WriteKeystore(dir, key, password, *pass.light)
	if err != nil {
		return err
	}
	return printKey(e, *jsonOut, chain.KeystoreFile{Address: crypto.PubkeyToAddress(key.PublicKey), Path: path})
}

const keysListHelp = `
Lists the keystore files in the keystore directory: each one's address and
path, sorted by path. Only the address fields are read: no passphrase is
needed. Files that are not keystores are named on stderr and skipped;
hidden files and backups ending in "~" are ignored. A directory that does
not exist holds no keys.

Environment:
  NCN_KEYSTORE   default for --keystore (else ~/.ncn/keystore)

Examples:
  ncn keys list
  ncn keys list --keystore ./devchain/keystore --json
`

func runKeysList(ctx context.Context, e env, args []string) error {
	f := newFlags("keys list", "[flags]", keysListHelp)
	dirFlag := f.keystoreDirFlag(e)
	jsonOut := f.Bool("json", false, "print a JSON array of {\"address\", \"path\"}")
	if err := f.parse(e, args); err != nil {
		return err
	}
	dir, err := keystoreDir(e, *dirFlag)
	if err != nil {
		return err
	}
	files, skipped, err := chain.ReadKeystoreDir(dir)
	if err != nil {
		return err
	}
	for _, err := range skipped {
		fmt.Fprintf(e.stderr, "ncn keys list: skipping %v\n", err)
	}
	if *jsonOut {
		if files == nil {
			files = []chain.KeystoreFile{} // [], not null
		}
		return json.NewEncoder(e.stdout).Encode(files)
	}
	if len(files) == 0 {
		fmt.Fprintf(e.stderr, "ncn keys list: no keystore files in %s\n", dir)
	}
	for _, k := range files {
		fmt.Fprintf(e.stdout, "%s  %s\n", k.Address.Hex(), k.Path)
	}
	return nil
}

const keysImportHelp = `
Imports a private key held as hex in HEXFILE (with or without 0x, as --key
reads it) into the keystore directory as a geth keystore file encrypted
with a new passphrase, and prints its address and path. A key whose
address the keystore already holds is refused. HEXFILE is left as it is:
delete it yourself once the import is done.

The passphrase comes as for 'ncn keys new': --password-file (default
$NCN_PASSWORD_FILE), else asked twice at a terminal, else one line from
stdin; an empty one is refused unless --insecure-empty-password is given.

Environment:
  NCN_KEYSTORE        default for --keystore (else ~/.ncn/keystore)
  NCN_PASSWORD_FILE   default for --password-file

Examples:
  ncn keys import owner.hex
  ncn keys import --keystore ./keys --password-file pw.txt owner.hex
`

func runKeysImport(ctx context.Context, e env, args []string) error {
	f := newFlags("keys import", "[flags] HEXFILE", keysImportHelp)
	dirFlag := f.keystoreDirFlag(e)
	pass := f.newPassFlags()
	jsonOut := f.Bool("json", false, "print {\"address\", \"path\"} as one JSON line")
	pos, err := f.parseArgs(e, args, 1, "the hex key file HEXFILE")
	if err != nil {
		return err
	}
	dir, err := keystoreDir(e, *dirFlag)
	if err != nil {
		return err
	}
	key, err := chain.ReadHexKey(pos[0])
	if err != nil {
		if _, kerr := chain.KeystoreAddress(pos[0]); kerr == nil {
			return fmt.Errorf("%s is already a keystore file: copy it into %s instead", pos[0], dir)
		}
		return err
	}
	addr := crypto.PubkeyToAddress(key.PublicKey)
	files, _, err := chain.ReadKeystoreDir(dir)
	if err != nil {
		return err
	}
	for _, k := range files {
		if k.Address == addr {
			return fmt.Errorf("key %s is already in the keystore: %s", addr.Hex(), k.Path)
		}
	}
	password, err := pass.passphrase(ctx, e, f)
	if err != nil {
		return err
	}
	path, err := chain.WriteKeystore(dir, key, password, *pass.light)
	if err != nil {
		return err
	}
	return printKey(e, *jsonOut, chain.KeystoreFile{Address: addr, Path: path})
}

const keysAddressHelp = `
Prints the address of KEYFILE: a geth keystore file's address field, read
without a passphrase, or the address of a hex private key file.

With --password-file the keystore is also unlocked with that file's first
line, which checks the passphrase and that the address field is the
encrypted key's. $NCN_PASSWORD_FILE is not read here.

Examples:
  ncn keys address ~/.ncn/keystore/UTC--ncn--<address>.json
  ncn keys address --password-file pw.txt owner.json
  ncn keys address owner.hex
`

func runKeysAddress(ctx context.Context, e env, args []string) error {
	f := newFlags("keys address", "[flags] KEYFILE", keysAddressHelp)
	passwordFile := f.String("password-file", "", "`file` whose first line unlocks the keystore, to check it (default: not unlocked)")
	jsonOut := f.Bool("json", false, "print {\"address\", \"path\"} as one JSON line")
	pos, err := f.parseArgs(e, args, 1, "the key file KEYFILE")
	if err != nil {
		return err
	}
	path := pos[0]
	addr, err := chain.KeyFileAddress(path)
	if err != nil {
		return err
	}
	if *passwordFile != "" {
		password, err := chain.ReadPassword(*passwordFile)
		if err != nil {
			return err
		}
		key, err := chain.LoadKey(path, password)
		if err != nil {
			return unlockHint(err, *passwordFile, "--password-file")
		}
		if got := crypto.PubkeyToAddress(key.PublicKey); got != addr {
			return fmt.Errorf("%s: the address field says %s but the encrypted key is %s", path, addr.Hex(), got.Hex())
		}
	}
	if *jsonOut {
		return json.NewEncoder(e.stdout).Encode(chain.KeystoreFile{Address: addr, Path: path})
	}
	_, err = fmt.Fprintln(e.stdout, addr.Hex())
	return err
}
