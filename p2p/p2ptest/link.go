package p2ptest

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Link is a TCP forwarder on loopback that can be cut the way a network
// fails: when cut, it keeps every connection open and silently drops the
// bytes (no FIN, no RST), and new connections are accepted but carry
// nothing. A node announced behind a Link is reachable only through it.
type Link struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns []net.Conn
	wg    sync.WaitGroup
}

// NewLink forwards a new loopback port to target ("127.0.0.1:port"); it
// closes when the test ends.
func NewLink(tb testing.TB, target string) *Link {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	l := &Link{ln: ln, target: target}
	l.wg.Add(1)
	go l.accept()
	tb.Cleanup(l.Close)
	return l
}

// Addr is the forwarder's address.
func (l *Link) Addr() *net.TCPAddr { return l.ln.Addr().(*net.TCPAddr) }

// Cut makes the link drop everything from now on.
func (l *Link) Cut() {
	l.mu.Lock()
	l.cut = true
	l.mu.Unlock()
}

// Heal forwards again; connections that lived through the cut stay dead,
// as their peers' transport state is lost.
func (l *Link) Heal() {
	l.mu.Lock()
	l.cut = false
	l.mu.Unlock()
}

func (l *Link) isCut() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cut
}

// Close stops the forwarder and closes every connection.
func (l *Link) Close() {
	_ = l.ln.Close()
	l.mu.Lock()
	for _, c := range l.conns {
		_ = c.Close()
	}
	l.mu.Unlock()
	l.wg.Wait()
}

func (l *Link) track(c net.Conn) {
	l.mu.Lock()
	l.conns = append(l.conns, c)
	l.mu.Unlock()
}

func (l *Link) accept() {
	defer l.wg.Done()
	for {
		in, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.track(in)
		if l.isCut() {
			l.wg.Add(1)
			go func() { defer l.wg.Done(); _, _ = io.Copy(io.Discard, in) }()
			continue
		}
		out, err := net.Dial("tcp", l.target)
		if err != nil {
			_ = in.Close()
			continue
		}
		l.track(out)
		l.wg.Add(2)
		go l.pipe(out, in)
		go l.pipe(in, out)
	}
}

// pipe copies src to dst until src ends, dropping the bytes while cut.
func (l *Link) pipe(dst, src net.Conn) {
	defer l.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !l.isCut() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !l.isCut() {
				_ = dst.Close()
			}
			return
		}
	}
}
