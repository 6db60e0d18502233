package bustest

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Relay forwards TCP connections to a target (a Redis server) and can be cut and
// restored on the same address, to cut one client off without stopping the server.
type Relay struct {
	target, addr string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
	frozen       []*atomic.Bool
}

// NewRelay listens on a free local port and forwards to target until the test ends.
func NewRelay(tb testing.TB, target string) *Relay {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	r := &Relay{target: target, addr: ln.Addr().String(), ln: ln}
	go r.serve(ln)
	tb.Cleanup(r.Down)
	return r
}

// Addr is the address clients dial instead of the target.
func (r *Relay) Addr() string { return r.addr }

func (r *Relay) serve(ln net.Listener) {
	for {
		in, err := ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", r.target)
		if err != nil {
			in.Close()
			continue
		}
		frozen := new(atomic.Bool)
		r.mu.Lock()
		r.conns = append(r.conns, in, out)
		r.frozen = append(r.frozen, frozen)
		r.mu.Unlock()
		go pipe(out, in, frozen)
		go pipe(in, out, frozen)
	}
}

// pipe copies src to dst, dropping what it reads while frozen.
func pipe(dst, src net.Conn, frozen *atomic.Bool) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !frozen.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Freeze makes the current connections half-open: they stay up but carry nothing.
// New connections work.
func (r *Relay) Freeze() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.frozen {
		f.Store(true)
	}
}

// Down closes the listener and every relayed connection: clients can neither use their
// connections nor dial new ones.
func (r *Relay) Down() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln != nil {
		r.ln.Close()
		r.ln = nil
	}
	for _, c := range r.conns {
		c.Close()
	}
	r.conns = nil
}

// Up listens again on the same address.
func (r *Relay) Up(tb testing.TB) {
	tb.Helper()
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		tb.Fatalf("relay: listen again on %s: %v", r.addr, err)
	}
	r.mu.Lock()
	r.ln = ln
	r.mu.Unlock()
	go r.serve(ln)
}
