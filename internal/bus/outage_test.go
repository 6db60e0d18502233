package bus_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"backbone/internal/bus"
	"backbone/internal/bus/bustest"
	"backbone/internal/errs"
	"backbone/internal/testenv"
)

// TestRedisRecoversFromOutage cuts the bus off Redis for a while (a TCP relay in
// front of the real server goes down and comes back), which exercises the reconnect
// backoff and the resubscription without stopping the shared server.
func TestRedisRecoversFromOutage(t *testing.T) {
	t.Parallel()
	admin := newClient(t, "")
	relay := startRelay(t, admin.Options().Addr)
	client := redis.NewClient(&redis.Options{Addr: relay.addr, DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	prefix := testenv.RandomName("bustest:") + ":"
	b := newRedisBus(t, client, bus.WithChannelPrefix(prefix))
	s := bustest.MustSubscribe(t, b, "t")
	ctx := context.Background()

	relay.down(t)
	if err := waitPingCode(b, errs.Unavailable); err != nil {
		t.Fatalf("Ping during the outage: %v", err)
	}
	if _, err := b.Subscribe(ctx, "u"); errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("Subscribe during the outage = %v, want UNAVAILABLE", err)
	}
	time.Sleep(time.Second) // stay down across several reconnect attempts
	relay.up(t)

	deadline := time.Now().Add(bustest.Wait)
	for {
		if err := admin.Publish(ctx, prefix+"t", "after").Err(); err != nil {
			t.Fatal(err)
		}
		select {
		case m, ok := <-s.C():
			if !ok {
				t.Fatalf("subscription ended: %v", s.Err())
			}
			if string(m.Payload) != "after" {
				t.Fatalf("got %q, want after", m.Payload)
			}
			if err := waitPing(b); err != nil {
				t.Fatalf("Ping after recovery: %v", err)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("delivery did not resume after the outage")
		}
	}
}

// TestRedisReplacesHalfOpenConnection freezes the subscription connection without
// closing it, as a dead peer behind a firewall would: only the health check can notice.
func TestRedisReplacesHalfOpenConnection(t *testing.T) {
	t.Parallel()
	admin := newClient(t, "")
	relay := startRelay(t, admin.Options().Addr)
	client := redis.NewClient(&redis.Options{Addr: relay.addr})
	t.Cleanup(func() { client.Close() })
	prefix := testenv.RandomName("bustest:") + ":"
	b := newRedisBus(t, client, bus.WithChannelPrefix(prefix), bus.WithHealthCheck(200*time.Millisecond))
	s := bustest.MustSubscribe(t, b, "t")
	relay.freeze()

	deadline := time.Now().Add(bustest.Wait)
	for {
		if err := admin.Publish(context.Background(), prefix+"t", "after").Err(); err != nil {
			t.Fatal(err)
		}
		select {
		case m, ok := <-s.C():
			if !ok {
				t.Fatalf("subscription ended: %v", s.Err())
			}
			if string(m.Payload) != "after" {
				t.Fatalf("got %q, want after", m.Payload)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("delivery did not resume after the connection went half-open")
		}
	}
}

func waitPingCode(b bus.Bus, want errs.Code) error {
	deadline := time.Now().Add(bustest.Wait)
	for {
		err := b.Ping(context.Background())
		if errs.Is(err, want) || time.Now().After(deadline) {
			if errs.Is(err, want) {
				return nil
			}
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// relay forwards TCP connections to target and can be taken down and up again on the
// same address.
type relay struct {
	target, addr string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
	frozen       []*atomic.Bool
}

func startRelay(t *testing.T, target string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{target: target, addr: ln.Addr().String(), ln: ln}
	go r.serve(ln)
	t.Cleanup(func() { r.down(t) })
	return r
}

func (r *relay) serve(ln net.Listener) {
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

// freeze makes the current connections half-open: they stay up but carry nothing.
// New connections work.
func (r *relay) freeze() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.frozen {
		f.Store(true)
	}
}

// down closes the listener and every relayed connection.
func (r *relay) down(t *testing.T) {
	t.Helper()
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

// up listens again on the same address.
func (r *relay) up(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		t.Fatalf("relay: listen again on %s: %v", r.addr, err)
	}
	r.mu.Lock()
	r.ln = ln
	r.mu.Unlock()
	go r.serve(ln)
}
