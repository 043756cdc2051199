// Package ops serves a node's operator endpoints on one HTTP listener:
// /metrics (Prometheus, from the node's own registry, never the global
// one), /healthz (the process answers), /readyz (the node can do its
// work: its readiness check passes) and /debug/pprof (profiles). Listen
// opens a listener on a default port that may be taken by another node
// of the same machine, falling back to another address.
package ops

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server is a running operator endpoint.
type Server struct {
	Addr string // the listener's address
	srv  *http.Server
	done chan error
}

// NewRegistry is a Prometheus registry with the process and Go runtime
// collectors, for a node to add its own metrics to.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	return reg
}

// Listen listens on addr; when addr is taken (EADDRINUSE) and fallback
// is not "", it listens on fallback instead and reports fellBack. A node
// gives a fallback for a port it chose by default (not one the operator
// named), so that several nodes on one machine — a devnet, tests — do
// not fail on a port none of them asked for; "127.0.0.1:0" keeps the
// fallback off the network.
func Listen(addr, fallback string) (ln net.Listener, fellBack bool, err error) {
	ln, err = net.Listen("tcp", addr)
	if err != nil && fallback != "" && errors.Is(err, syscall.EADDRINUSE) {
		if ln, ferr := net.Listen("tcp", fallback); ferr == nil {
			return ln, true, nil
		}
	}
	return ln, false, err
}

// Serve listens on addr and serves reg's metrics and the health checks;
// ready is the readiness check (nil: ready once serving).
func Serve(addr string, reg *prometheus.Registry, ready func(context.Context) error) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen %s: %w", addr, err)
	}
	return ServeListener(ln, reg, ready), nil
}

// ServeListener is Serve on an open listener, which the Server owns.
func ServeListener(ln net.Listener, reg *prometheus.Registry, ready func(context.Context) error) *Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, Timeout: 10 * time.Second}))
	// Profiles, for an operator chasing CPU or memory: on the same
	// listener, which should not be public.
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
			defer cancel()
			if err := ready(ctx); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintf(w, "not ready: %v\n", err)
				return
			}
		}
		fmt.Fprintln(w, "ready")
	})
	s := &Server{Addr: ln.Addr().String(), done: make(chan error, 1),
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s
}

// Close stops serving, letting requests in flight finish briefly.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	return errors.Join(err, <-s.done)
}
