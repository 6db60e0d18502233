package gqlws

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// frame is one message to write: head, body and tail go out as one text message (a
// shared event is an envelope, the encoded event and a closing brace, so the event's
// bytes are never copied per subscriber). A close frame ends the writing.
type frame struct {
	head, body, tail []byte
	close            bool
	code             int
	reason           string
}

// send queues a message. It never blocks: a client with SendQueue messages already
// waiting is disconnected instead. It reports whether the message was queued.
func (c *conn) send(msg []byte) bool { return c.enqueue(frame{head: msg}) }

// sendShared queues an encoded event behind a subscriber's envelope.
func (c *conn) sendShared(envelope, event []byte) bool {
	return c.enqueue(frame{head: envelope, body: event, tail: closingBrace})
}

func (c *conn) enqueue(f frame) bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	if n := len(c.queue); n >= c.srv.cfg.SendQueue {
		c.mu.Unlock()
		c.abort(CloseSlowConsumer, fmt.Sprintf("slow consumer: %d messages waiting to be sent", n))
		return false
	}
	c.queue = append(c.queue, f)
	c.startWriterLocked()
	c.mu.Unlock()
	return true
}

// startWriterLocked starts the writer goroutine unless it runs; c.mu is held.
func (c *conn) startWriterLocked() {
	if !c.writing {
		c.writing = true
		c.writerDone = make(chan struct{})
		go c.writeLoop(c.writerDone)
	}
}

// close queues a close frame with code and reason after the messages already queued;
// the connection then ends. The legacy protocol has no close reasons of its own, so its
// clients are told in a connection_error first.
func (c *conn) close(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	c.closing = true
	if c.proto.legacy && code >= 4000 && reason != "" {
		c.queue = append(c.queue, frame{head: withPayload("", "connection_error", messageError(reason))})
	}
	c.queue = append(c.queue, frame{close: true, code: code, reason: reason})
	c.startWriterLocked()
}

// abort drops what is queued and closes: for a client that cannot keep up, the close
// frame must not wait behind its backlog. The writer finishes the message it is writing
// (a frame cannot be cut), then sends the close frame; a client that reads nothing at
// all is cut off when that write times out.
func (c *conn) abort(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	c.closing = true
	c.queue = []frame{{close: true, code: code, reason: reason}}
	c.skipBatch.Store(true)
	c.startWriterLocked()
	if code == CloseSlowConsumer {
		c.srv.slowClosed.Add(1)
	}
	c.srv.cfg.Log.Info("websocket: closing", "code", code, "reason", reason)
}

// abandon stops queueing after the client went away.
func (c *conn) abandon() {
	c.mu.Lock()
	c.closing, c.queue = true, nil
	c.mu.Unlock()
}

// errClosing stops the writer after a close frame.
var errClosing = errors.New("close frame sent")

// writeLoop writes queued messages until the queue is empty, then exits: an idle
// connection has no writer goroutine.
func (c *conn) writeLoop(done chan struct{}) {
	defer close(done)
	for {
		c.mu.Lock()
		batch := c.queue
		c.queue = nil
		if len(batch) == 0 {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		for _, f := range batch {
			if !f.close && c.skipBatch.Load() {
				continue // aborted: only the close frame is still sent
			}
			if err := c.write(f); err != nil {
				c.mu.Lock()
				c.closing, c.queue, c.writing = true, nil, false
				c.mu.Unlock()
				if !errors.Is(err, errClosing) {
					_ = c.ws.SetReadDeadline(time.Now()) // a broken socket: stop the reader too
				}
				return
			}
		}
	}
}

func (c *conn) write(f frame) error {
	deadline := time.Now().Add(c.srv.cfg.WriteTimeout)
	if f.close {
		msg := websocket.FormatCloseMessage(f.code, truncate(f.reason, 123))
		_ = c.ws.WriteControl(websocket.CloseMessage, msg, deadline)
		// Wait briefly for the client's close frame, then let the reader give up.
		_ = c.ws.SetReadDeadline(time.Now().Add(time.Second))
		return errClosing
	}
	_ = c.ws.SetWriteDeadline(deadline)
	w, err := c.ws.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	for _, part := range [][]byte{f.head, f.body, f.tail} {
		if len(part) > 0 {
			if _, err := w.Write(part); err != nil {
				return err
			}
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	c.srv.sent.Add(1)
	return nil
}

// waitWriter waits until the writer has finished, at most timeout.
func (c *conn) waitWriter(timeout time.Duration) {
	c.mu.Lock()
	done := c.writerDone
	writing := c.writing
	c.mu.Unlock()
	if !writing || done == nil {
		return
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence (a close
// frame's reason is limited to 123 bytes).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
