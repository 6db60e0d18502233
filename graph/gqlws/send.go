package gqlws

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"
)

// Sending. A message is written straight from the goroutine that sends it, with one
// non-blocking write: no goroutine, timer or buffer is needed per delivery. When the
// socket cannot take all of it (the client reads slowly), a writer goroutine takes over
// and finishes it with a deadline while later messages wait in the bounded queue; a
// client with SendQueue messages waiting is disconnected. All writes go through here
// (gorilla only reads), so frames never interleave.

// scratchPool holds frame buffers for senders that do not bring their own.
var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// send queues a text message. It never blocks: it reports whether the message was
// accepted (false once the connection is closing).
func (c *conn) send(msg []byte) bool {
	scratch := scratchPool.Get().(*[]byte)
	ok := c.deliver(scratch, msg)
	scratchPool.Put(scratch)
	return ok
}

// deliver sends parts as one text message, building the frame in *scratch.
func (c *conn) deliver(scratch *[]byte, parts ...[]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return false
	}
	if c.writing && (len(c.queue) >= c.srv.cfg.SendQueue || c.queued >= c.srv.cfg.SendQueueBytes) {
		c.abortLocked(CloseSlowConsumer, fmt.Sprintf("slow consumer: %d messages (%d bytes) waiting to be sent", len(c.queue), c.queued))
		return false
	}
	c.pushLocked(scratch, opText, parts...)
	return true
}

// pushLocked writes a frame now if the socket is free and takes it, and otherwise
// queues it for the writer goroutine. c.mu is held.
func (c *conn) pushLocked(scratch *[]byte, op int, parts ...[]byte) {
	if c.writing || c.raw == nil {
		frame := appendFrame(nil, op, parts...)
		c.queue = append(c.queue, frame)
		c.queued += len(frame)
		c.startWriterLocked()
		return
	}
	frame := appendFrame((*scratch)[:0], op, parts...)
	*scratch = frame
	n, err := c.writeNow(frame)
	if err != nil {
		c.brokenLocked()
		return
	}
	c.srv.sent.Add(1)
	if n < len(frame) {
		c.pending = bytes.Clone(frame[n:]) // the rest of this frame goes before anything else
		c.startWriterLocked()
		return
	}
	if op == opClose {
		c.closeWrittenLocked()
	}
}

// writeNow writes as much of b as the socket takes without waiting.
func (c *conn) writeNow(b []byte) (int, error) {
	n := 0
	var werr error
	err := c.raw.Write(func(fd uintptr) bool {
		for n < len(b) {
			m, e := syscall.Write(int(fd), b[n:])
			if m > 0 {
				n += m
			}
			switch e {
			case nil:
			case syscall.EINTR:
			case syscall.EAGAIN:
				return true // full: the writer goroutine waits for the rest
			default:
				werr = e
				return true
			}
		}
		return true
	})
	if err == nil {
		err = werr
	}
	return n, err
}

// startWriterLocked starts the writer goroutine unless it runs; c.mu is held.
func (c *conn) startWriterLocked() {
	if !c.writing {
		c.writing = true
		c.writerDone = make(chan struct{})
		go c.writeLoop(c.writerDone)
	}
}

// writeLoop writes what the socket could not take at once, then whatever was queued
// meanwhile, each round with one vectored write under a deadline, and exits when
// nothing is left: an idle connection has no writer.
func (c *conn) writeLoop(done chan struct{}) {
	defer close(done)
	for {
		c.mu.Lock()
		bufs := make(net.Buffers, 0, len(c.queue)+1)
		if c.pending != nil {
			bufs = append(bufs, c.pending)
		}
		bufs = append(bufs, c.queue...)
		sent := len(c.queue)
		closeQueued := c.closeQueued
		c.pending, c.queue, c.queued = nil, nil, 0
		if len(bufs) == 0 {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()

		_ = c.netConn.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
		_, err := bufs.WriteTo(c.netConn)
		c.mu.Lock()
		if err != nil {
			c.writing = false
			c.brokenLocked()
			c.mu.Unlock()
			return
		}
		c.srv.sent.Add(int64(sent))
		if closeQueued && len(c.queue) == 0 {
			c.closeWrittenLocked()
		}
		c.mu.Unlock()
	}
}

// close sends a close frame with code and reason after the messages already accepted;
// the connection then ends. The legacy protocol has no close reasons of its own, so its
// clients are told in a connection_error first.
func (c *conn) close(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	c.closing = true
	scratch := scratchPool.Get().(*[]byte)
	defer scratchPool.Put(scratch)
	if c.proto.legacy && code >= 4000 && reason != "" {
		c.pushLocked(scratch, opText, withPayload("", "connection_error", messageError(reason)))
	}
	c.closeQueued = true
	c.pushLocked(scratch, opClose, closePayload(code, reason))
}

// abortLocked drops the messages waiting and closes: for a client that cannot keep up,
// the close frame must not wait behind its backlog. A frame already begun is finished
// first (a frame cannot be cut); a client that reads nothing at all is cut off when that
// write times out. c.mu is held.
func (c *conn) abortLocked(code int, reason string) {
	c.closing, c.closeQueued = true, true
	c.queue = [][]byte{appendFrame(nil, opClose, closePayload(code, reason))}
	c.queued = len(c.queue[0])
	c.startWriterLocked()
	if code == CloseSlowConsumer {
		c.srv.slowClosed.Add(1)
	}
	c.srv.cfg.Log.Info("websocket: closing", "code", code, "reason", reason)
}

// closeWrittenLocked runs once the close frame is out: the client has a second to
// answer with its own, then the reader gives up.
func (c *conn) closeWrittenLocked() {
	_ = c.netConn.SetReadDeadline(time.Now().Add(time.Second))
}

// brokenLocked gives up on a socket that failed a write: nothing more is sent and the
// reader stops.
func (c *conn) brokenLocked() {
	c.closing, c.queue, c.queued, c.pending = true, nil, 0, nil
	_ = c.netConn.SetReadDeadline(time.Now())
}

// abandon stops accepting messages after the client went away; what is queued (an
// echo of the client's close frame) may still leave.
func (c *conn) abandon() {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
}

// waitWriter waits until the writer has finished, at most timeout.
func (c *conn) waitWriter(timeout time.Duration) {
	c.mu.Lock()
	done, writing := c.writerDone, c.writing
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
