package queue_test

import (
	"context"
	"net"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"backbone/internal/errs"
	"backbone/internal/queue"
	"backbone/internal/queue/queuetest"
	"backbone/internal/testenv"
)

// TestAMQPResumesAfterBrokerClosesConnection has the broker itself close our connection
// (rabbitmqctl close_connection, only ours: the broker is shared) and shows that the
// consumer and the publisher carry on without help.
func TestAMQPResumesAfterBrokerClosesConnection(t *testing.T) {
	t.Parallel()
	amqpURL := testenv.NeedAMQP(t)
	if _, err := exec.LookPath("rabbitmqctl"); err != nil {
		if testenv.InCI() {
			t.Fatal("rabbitmqctl is not installed (it comes with rabbitmq-server, which CI installs)")
		}
		t.Skip("rabbitmqctl is not installed here; TestAMQPResumesAfterBrokerOutage covers reconnects")
	}
	name := testenv.RandomName("qtest-conn-")
	q := newAMQP(t, amqpURL, queue.WithConnectionName(name))
	var before string
	checkResumes(t, q, func() { before = closeConnection(t, name, true) }, nil)
	if after := closeConnection(t, name, false); after == before {
		t.Fatalf("still on connection %s: it was never closed", before)
	}
}

// TestAMQPResumesAfterBrokerOutage reaches the broker through a TCP relay, cuts it so that
// the broker is unreachable, and shows that Publish and Ping report UNAVAILABLE without
// hanging, then that everything resumes when the broker is back.
func TestAMQPResumesAfterBrokerOutage(t *testing.T) {
	t.Parallel()
	amqpURL := testenv.NeedAMQP(t)
	r := newRelay(t, amqpURL)
	q := newAMQP(t, r.url)
	checkResumes(t, q, r.cut, func(topic string) {
		queuetest.Eventually(t, "Publish to report the outage", func() bool {
			return publishNoHang(t, q, topic, "during") != nil
		})
		if code := errs.CodeOf(publishNoHang(t, q, topic, "during")); code != errs.Unavailable {
			t.Fatalf("Publish during outage: code %s, want %s", code, errs.Unavailable)
		}
		if code := errs.CodeOf(q.Ping(context.Background())); code != errs.Unavailable {
			t.Fatalf("Ping during outage: code %s, want %s", code, errs.Unavailable)
		}
		r.restore(t)
	})
}

// checkResumes consumes a job, breaks the connection, runs during (if any), then shows
// that a job published afterwards is consumed by the same, still running Consume call.
func checkResumes(t *testing.T, q queue.Queue, breakConn func(), during func(topic string)) {
	topic := queuetest.Topic()
	rec := queuetest.NewRecorder()
	queuetest.StartConsumer(t, q, topic, func(_ context.Context, j queue.Job) error {
		rec.Add(j)
		return nil
	}, queue.ConsumeOptions{Concurrency: 2})
	queuetest.MustPublish(t, q, topic, "before", nil)
	queuetest.Eventually(t, "job before the break", func() bool { return len(rec.Attempts("before")) == 1 })

	breakConn()
	if during != nil {
		during(topic)
	}
	queuetest.Eventually(t, "Ping to recover", func() bool { return q.Ping(context.Background()) == nil })
	queuetest.Eventually(t, "Publish to recover", func() bool { return publishNoHang(t, q, topic, "after") == nil })
	queuetest.Eventually(t, "consumer to resume", func() bool { return len(rec.Attempts("after")) >= 1 })
}

// closeConnection finds the broker's connection with the given client name, closes it if
// asked to, and returns its pid.
func closeConnection(t *testing.T, name string, close bool) string {
	t.Helper()
	// The text output's pids (<rabbit@host.N.N.N>) are what close_connection accepts;
	// the JSON formatter's (#PID<...>) are not.
	out, err := exec.Command("rabbitmqctl", "-q", "list_connections", "pid", "client_properties").Output()
	if err != nil {
		t.Fatalf("rabbitmqctl list_connections: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		pid, props, ok := strings.Cut(line, "\t")
		if !ok || !strings.Contains(props, `{"connection_name","`+name+`"}`) {
			continue
		}
		if !close {
			return pid
		}
		if out, err := exec.Command("rabbitmqctl", "-q", "close_connection", pid, "queue test").CombinedOutput(); err != nil {
			t.Fatalf("rabbitmqctl close_connection %s: %v\n%s", pid, err, out)
		}
		return pid
	}
	t.Fatalf("connection %q not found on the broker:\n%s", name, out)
	return ""
}

// relay is a TCP relay to the broker that the test can cut and restore.
type relay struct {
	target string
	addr   string
	url    string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newRelay(t *testing.T, amqpURL string) *relay {
	t.Helper()
	u, err := url.Parse(amqpURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{target: u.Host, addr: ln.Addr().String()}
	u.Host = r.addr
	r.url = u.String()
	r.serve(ln)
	t.Cleanup(r.cut)
	return r
}

func (r *relay) serve(ln net.Listener) {
	r.mu.Lock()
	r.ln = ln
	r.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.DialTimeout("tcp", r.target, 5*time.Second)
			if err != nil {
				_ = c.Close()
				continue
			}
			r.mu.Lock()
			r.conns = append(r.conns, c, b)
			r.mu.Unlock()
			go pipe(c, b)
			go pipe(b, c)
		}
	}()
}

func pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	_ = dst.Close()
	_ = src.Close()
}

// cut stops listening and drops every relayed connection: the broker is gone.
func (r *relay) cut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln != nil {
		_ = r.ln.Close()
		r.ln = nil
	}
	for _, c := range r.conns {
		_ = c.Close()
	}
	r.conns = nil
}

// restore listens again on the same address: the broker is back.
func (r *relay) restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		t.Fatalf("relay: listen again on %s: %v", r.addr, err)
	}
	r.serve(ln)
}
