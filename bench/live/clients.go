package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// subprotocol is the modern GraphQL websocket protocol (graphql-ws library's).
const subprotocol = "graphql-transport-ws"

// readBufSize is each reader's message buffer: a delivered event is a few hundred bytes,
// anything longer is read into a one-off allocation.
const readBufSize = 1024

// fleet is N websocket subscribers, one goroutine each, recording when each event arrives.
type fleet struct {
	events *eventTable
	query  []byte // the subscribe message

	conns []*websocket.Conn
	// lat[c*len(events)+e] is client c's latency for event e in nanoseconds, 0 until it
	// arrives; each slot is written by its client's goroutine only.
	lat []int64

	connected atomic.Int64 // acked and subscribed
	delivered atomic.Int64 // measured events received (not the warm-up)
	warm      atomic.Int64 // clients that received the warm-up event
	dups      atomic.Int64 // an event received twice by one client
	foreign   atomic.Int64 // events this run did not send (another publisher on the Redis)
	dropped   atomic.Int64 // connections the server closed or broke during the run
	closing   atomic.Bool

	mu       sync.Mutex
	failures []string     // each failed client's first failure (dial, init, ack, subscription, drop), in order
	failed   map[int]bool // clients with a failure

	wg sync.WaitGroup // reader goroutines
}

func newFleet(n int, events *eventTable, subscription string) *fleet {
	msg, _ := json.Marshal(map[string]any{
		"id": "1", "type": "subscribe", "payload": map[string]any{"query": subscription},
	})
	return &fleet{
		events: events, query: msg,
		conns:  make([]*websocket.Conn, n),
		failed: map[int]bool{},
		lat:    make([]int64, n*len(events.ids)),
	}
}

// fail records client c's first failure; later ones are consequences.
func (f *fleet) fail(c int, format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failed[c] {
		return
	}
	f.failed[c] = true
	f.failures = append(f.failures, fmt.Sprintf("client %d: ", c)+fmt.Sprintf(format, args...))
}

// failureList returns the failures recorded so far.
func (f *fleet) failureList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.failures...)
}

// connect opens every connection, at most concurrency handshakes at a time, and returns
// once each is subscribed or has failed. Nothing is retried.
func (f *fleet) connect(ctx context.Context, wsURL string, tokens []string, concurrency int) {
	dialer := websocket.Dialer{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   512,
		WriteBufferSize:  512,
		WriteBufferPool:  &sync.Pool{},
		Subprotocols:     []string{subprotocol},
	}
	sem := make(chan struct{}, concurrency)
	var setup sync.WaitGroup
	for i, tok := range tokens {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			f.fail(i, "%v", ctx.Err())
			continue
		}
		setup.Add(1)
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			conn, err := f.open(ctx, &dialer, wsURL, tok)
			if err != nil {
				f.fail(i, "%v", err)
			} else {
				f.conns[i] = conn
				f.connected.Add(1)
			}
			<-sem
			setup.Done()
			if conn != nil {
				f.read(i, conn)
			}
		}()
	}
	setup.Wait()
}

// open dials, authenticates with connection_init, waits for connection_ack and subscribes.
func (f *fleet) open(ctx context.Context, d *websocket.Dialer, wsURL, tok string) (*websocket.Conn, error) {
	conn, resp, err := d.DialContext(ctx, wsURL, nil)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial: %v (HTTP %d)", err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial: %w", err)
	}
	if conn.Subprotocol() != subprotocol {
		conn.Close()
		return nil, fmt.Errorf("server chose subprotocol %q", conn.Subprotocol())
	}
	init, _ := json.Marshal(map[string]any{"type": "connection_init", "payload": map[string]string{"Authorization": "Bearer " + tok}})
	if err := conn.WriteMessage(websocket.TextMessage, init); err != nil {
		conn.Close()
		return nil, fmt.Errorf("connection_init: %w", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, msg, err := conn.ReadMessage()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("waiting for connection_ack: %w", err)
	}
	if typ := messageType(msg); typ != "connection_ack" {
		conn.Close()
		return nil, fmt.Errorf("got %q instead of connection_ack: %.200s", typ, msg)
	}
	_ = conn.SetReadDeadline(time.Time{})
	if err := conn.WriteMessage(websocket.TextMessage, f.query); err != nil {
		conn.Close()
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	return conn, nil
}

// read receives until the connection ends, timing each event on arrival.
func (f *fleet) read(c int, conn *websocket.Conn) {
	buf := make([]byte, readBufSize)
	row := f.lat[c*len(f.events.ids) : (c+1)*len(f.events.ids)]
	for {
		msg, err := readMessage(conn, buf)
		now := time.Now().UnixNano()
		if err != nil {
			if !f.closing.Load() {
				f.dropped.Add(1)
				f.fail(c, "connection ended: %v", err)
			}
			return
		}
		if qid, ok := questionID(msg); ok {
			f.record(row, qid, now)
			continue
		}
		switch typ := messageType(msg); typ {
		case "ping":
			_ = conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"pong"}`))
		case "pong":
		default: // error, complete, or a next without a questionId: the subscription is not working
			f.fail(c, "unexpected %q message: %.300s", typ, msg)
		}
	}
}

func (f *fleet) record(row []int64, qid []byte, now int64) {
	idx, at, ok := f.events.lookup(qid)
	if !ok {
		f.foreign.Add(1)
		return
	}
	if row[idx] != 0 {
		f.dups.Add(1)
		return
	}
	row[idx] = max(now-at, 1)
	if idx == 0 {
		f.warm.Add(1)
	} else {
		f.delivered.Add(1)
	}
}

// close ends every connection and waits for the readers. After it returns, lat is
// safe to read.
func (f *fleet) close() {
	f.closing.Store(true)
	for _, c := range f.conns {
		if c != nil {
			c.Close()
		}
	}
	f.wg.Wait()
}

// latencies returns the measured latencies received (warm-up excluded), unsorted.
func (f *fleet) latencies() []time.Duration {
	per := len(f.events.ids)
	out := make([]time.Duration, 0, f.delivered.Load())
	for i, v := range f.lat {
		if v != 0 && i%per != 0 {
			out = append(out, time.Duration(v))
		}
	}
	return out
}

// readMessage reads one message into buf, or into a new slice when it does not fit.
func readMessage(conn *websocket.Conn, buf []byte) ([]byte, error) {
	_, r, err := conn.NextReader()
	if err != nil {
		return nil, err
	}
	n, err := io.ReadFull(r, buf)
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		return buf[:n], nil
	case nil:
		rest, err := io.ReadAll(r)
		return append(append([]byte(nil), buf...), rest...), err
	}
	return nil, err
}

// questionID finds the value of the first "questionId" string in a message without
// decoding it: readers share two cores with the server.
func questionID(msg []byte) ([]byte, bool) {
	const key = `"questionId"`
	i := bytes.Index(msg, []byte(key))
	if i < 0 {
		return nil, false
	}
	rest := bytes.TrimLeft(msg[i+len(key):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return nil, false
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '"' {
		return nil, false
	}
	end := bytes.IndexByte(rest[1:], '"')
	if end < 0 {
		return nil, false
	}
	return rest[1 : 1+end], true
}

// messageType decodes the "type" of a protocol message.
func messageType(msg []byte) string {
	var m struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(msg, &m); err != nil {
		return "(not JSON: " + strings.TrimSpace(err.Error()) + ")"
	}
	return m.Type
}
