package sandbox_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// escapeArg makes the test binary, run inside a sandbox, perform one escape
// attempt (runAttempt) instead of the tests.
const escapeArg = "sandbox-escape-attempt"

// attemptResult is what an attempt prints: the errno it met (0 = the
// operation succeeded), what it read, how far it got.
type attemptResult struct {
	Errno int
	Msg   string
	Data  string
	Count int
}

// runAttempt is the hostile program: args are the attempt's name and
// parameters; the last argument is a token the host uses to find leftover
// processes.
func runAttempt(args []string) int {
	res := attempt(args[0], args[1:])
	_ = json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

func result(err error) attemptResult {
	if err == nil {
		return attemptResult{}
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return attemptResult{Errno: int(errno), Msg: err.Error()}
	}
	return attemptResult{Errno: -1, Msg: err.Error()}
}

func attempt(name string, a []string) attemptResult {
	switch name {
	case "read": // read a file
		b, err := os.ReadFile(a[0])
		r := result(err)
		r.Data = string(b)
		return r
	case "write": // create a file
		return result(os.WriteFile(a[0], []byte("escaped"), 0o644))
	case "symlink-read": // plant a symlink in scratch, then read through it
		link := filepath.Join(a[1], "link")
		if err := os.Symlink(a[0], link); err != nil {
			return result(err)
		}
		_, err := os.ReadFile(link)
		return result(err)
	case "hardlink": // hard-link a file into scratch
		return result(os.Link(a[0], filepath.Join(a[1], "hardlink")))
	case "tcp": // connect to host:port
		c, err := net.DialTimeout("tcp", a[0], 2*time.Second)
		if err == nil {
			c.Close()
		}
		return result(err)
	case "udp": // send a datagram with sendto
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
		if err != nil {
			return result(err)
		}
		defer unix.Close(fd)
		addr, _ := net.ResolveUDPAddr("udp4", a[0])
		sa := &unix.SockaddrInet4{Port: addr.Port}
		copy(sa.Addr[:], addr.IP.To4())
		return result(unix.Sendto(fd, []byte("x"), 0, sa))
	case "raw-socket":
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP)
		if err == nil {
			unix.Close(fd)
		}
		return result(err)
	case "netlink-socket":
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_ROUTE)
		if err == nil {
			unix.Close(fd)
		}
		return result(err)
	case "ptrace": // attach to a sibling process
		sib := exec.Command("/proc/self/exe", escapeArg, "sleep", "60")
		if err := sib.Start(); err != nil {
			return result(err)
		}
		defer sib.Process.Kill()
		return result(unix.PtraceAttach(sib.Process.Pid))
	case "tiocsti": // push a byte into the terminal on fd 0, request widened to 64 bits or not
		req := uintptr(unix.TIOCSTI)
		if a[0] == "wide" {
			req |= 1 << 32
		}
		c := byte('x')
		_, _, e := unix.Syscall(unix.SYS_IOCTL, 0, req, uintptr(unsafe.Pointer(&c)))
		if e != 0 {
			return result(e)
		}
		return attemptResult{}
	case "mount":
		return result(unix.Mount("tmpfs", a[0], "tmpfs", 0, ""))
	case "userns":
		return result(unix.Unshare(unix.CLONE_NEWUSER))
	case "setns":
		fd, err := unix.Open("/proc/self/ns/net", unix.O_RDONLY, 0)
		if err != nil {
			return result(err)
		}
		return result(unix.Setns(fd, unix.CLONE_NEWNET))
	case "fork-bomb": // start sleepers until refused
		n := 0
		for ; n < 10000; n++ {
			c := exec.Command("/proc/self/exe", escapeArg, "sleep", "60")
			if err := c.Start(); err != nil {
				r := result(err)
				r.Count = n
				return r
			}
		}
		return attemptResult{Count: n}
	case "memory-hog": // touch memory until killed
		var hog [][]byte
		for i := 0; ; i++ {
			b := make([]byte, 16<<20)
			for j := range b {
				if j%4096 == 0 {
					b[j] = 1
				}
			}
			hog = append(hog, b)
			if i > 1000 {
				return attemptResult{Count: i}
			}
		}
	case "ignore-term": // ignore SIGTERM and spin
		signal.Ignore(syscall.SIGTERM)
		for {
		}
	case "fill-disk": // write past the file-size limit
		signal.Ignore(syscall.SIGXFSZ)
		f, err := os.Create(a[0])
		if err != nil {
			return result(err)
		}
		defer f.Close()
		chunk := make([]byte, 64<<10)
		n := 0
		for ; n < 10000; n++ {
			if _, err := f.Write(chunk); err != nil {
				r := result(err)
				r.Count = n * len(chunk)
				return r
			}
		}
		return attemptResult{Count: n * len(chunk)}
	case "fill-files": // many files, each under the file-size limit
		signal.Ignore(syscall.SIGXFSZ)
		chunk := make([]byte, 256<<10)
		total, files := 0, 4096
		if len(a) > 1 {
			files, _ = strconv.Atoi(a[1])
		}
		for i := range files {
			f, err := os.Create(filepath.Join(a[0], fmt.Sprintf("f%d", i)))
			if err != nil {
				r := result(err)
				r.Count = total
				return r
			}
			n, err := f.Write(chunk)
			total += n
			f.Close()
			if err != nil {
				r := result(err)
				r.Count = total
				return r
			}
		}
		return attemptResult{Count: total}
	case "open-files":
		n := 0
		for ; n < 100000; n++ {
			if _, err := os.Open("/dev/null"); err != nil {
				r := result(err)
				r.Count = n
				return r
			}
		}
		return attemptResult{Count: n}
	case "sleep":
		d, _ := time.ParseDuration(a[0] + "s")
		time.Sleep(d)
		return attemptResult{}
	}
	return attemptResult{Errno: -1, Msg: fmt.Sprintf("unknown attempt %q", name)}
}
