package queue

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"backbone/internal/errs"
)

// Memory is the in-process Queue of the embedded mode. Jobs live only as long as the
// process; retries wait on timers; dead letters are kept in memory.
type Memory struct {
	log    *slog.Logger
	mu     sync.Mutex
	topics map[string]*memTopic
	dead   map[string][]DeadLetter
	closed chan struct{}
	once   sync.Once
	spans  spans
}

// MemoryOption configures NewMemory.
type MemoryOption func(*Memory)

// MemoryTracerProvider makes the queue's send and process spans with tp (default: none).
func MemoryTracerProvider(tp trace.TracerProvider) MemoryOption {
	return func(m *Memory) { m.spans = newSpans(tp, systemMemory) }
}

// memTopic is one topic's pending jobs. signal (capacity 1) wakes one idle worker; a
// worker that takes a job and sees more passes the signal on, so none is stranded.
type memTopic struct {
	mu     sync.Mutex
	items  []queued
	signal chan struct{}
}

// queued is a pending job and when it was queued, for Stats.
type queued struct {
	job Job
	at  time.Time
}

var _ Queue = (*Memory)(nil)

// NewMemory returns an empty in-process queue.
func NewMemory(log *slog.Logger, opts ...MemoryOption) *Memory {
	m := &Memory{
		log:    log,
		topics: map[string]*memTopic{},
		dead:   map[string][]DeadLetter{},
		closed: make(chan struct{}),
		spans:  newSpans(nil, systemMemory),
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

func (m *Memory) topic(name string) *memTopic {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.topics[name]
	if !ok {
		t = &memTopic{signal: make(chan struct{}, 1)}
		m.topics[name] = t
	}
	return t
}

func (t *memTopic) push(job Job) {
	t.mu.Lock()
	t.items = append(t.items, queued{job: job, at: time.Now()})
	t.mu.Unlock()
	t.wake()
}

func (t *memTopic) wake() {
	select {
	case t.signal <- struct{}{}:
	default:
	}
}

func (t *memTopic) pop() (Job, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.items) == 0 {
		return Job{}, false
	}
	job := t.items[0].job
	t.items = slices.Delete(t.items, 0, 1)
	if len(t.items) > 0 {
		t.wake()
	}
	return job, true
}

// Publish implements Queue. It fails with errs.Unavailable after Close.
func (m *Memory) Publish(ctx context.Context, topic, id string, payload []byte) error {
	if err := checkTopic(topic); err != nil {
		return err
	}
	if m.isClosed() {
		return errs.E(errs.Unavailable, "queue closed")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	span, carried := m.spans.send(ctx, topic, id)
	m.topic(topic).push(Job{ID: id, Topic: topic, Payload: slices.Clone(payload), Attempt: 1, trace: carried})
	span.End()
	return nil
}

// Consume implements Queue.
func (m *Memory) Consume(ctx context.Context, topic string, h Handler, opts ConsumeOptions) error {
	if err := checkTopic(topic); err != nil {
		return err
	}
	opts = opts.withDefaults()
	t := m.topic(topic)
	hctx := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for range opts.Concurrency {
		wg.Go(func() {
			for {
				if ctx.Err() != nil || m.isClosed() {
					return
				}
				job, ok := t.pop()
				if !ok {
					select {
					case <-t.signal:
					case <-ctx.Done():
					case <-m.closed:
					}
					continue
				}
				m.handle(hctx, t, h, job, opts)
			}
		})
	}
	wg.Wait()
	return nil
}

func (m *Memory) handle(ctx context.Context, t *memTopic, h Handler, job Job, opts ConsumeOptions) {
	ctx, span := m.spans.process(ctx, job)
	err := call(ctx, m.log, h, job)
	end(span, err)
	o := decide(err, job.Attempt, opts.MaxAttempts)
	logOutcome(m.log, o, job, err)
	switch o {
	case outcomeRetry:
		next := job
		next.Attempt++
		time.AfterFunc(opts.Backoff(job.Attempt), func() { t.push(next) })
	case outcomeDead:
		m.mu.Lock()
		m.dead[job.Topic] = append(m.dead[job.Topic], DeadLetter{Job: job, Reason: err.Error()})
		m.mu.Unlock()
	}
}

// DeadLetters implements Queue.
func (m *Memory) DeadLetters(_ context.Context, topic string) ([]DeadLetter, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.dead[topic]), nil
}

// Replay implements Queue.
func (m *Memory) Replay(_ context.Context, topic, id string) (bool, error) {
	if m.isClosed() {
		return false, errs.E(errs.Unavailable, "queue closed")
	}
	m.mu.Lock()
	i := slices.IndexFunc(m.dead[topic], func(d DeadLetter) bool { return d.Job.ID == id })
	var job Job
	if i >= 0 {
		job = m.dead[topic][i].Job
		m.dead[topic] = slices.Delete(m.dead[topic], i, i+1)
	}
	m.mu.Unlock()
	if i < 0 {
		return false, nil
	}
	job.Attempt = 1
	m.topic(topic).push(job)
	return true, nil
}

// Stats implements Inspector.
func (m *Memory) Stats(_ context.Context, topic string) (TopicStats, error) {
	var s TopicStats
	t := m.topic(topic)
	t.mu.Lock()
	s.Ready = len(t.items)
	if s.Ready > 0 {
		s.OldestAge = time.Since(t.items[0].at)
	}
	t.mu.Unlock()
	m.mu.Lock()
	s.Dead = len(m.dead[topic])
	m.mu.Unlock()
	return s, nil
}

// Ping implements Queue: nil until Close.
func (m *Memory) Ping(context.Context) error {
	if m.isClosed() {
		return errs.E(errs.Unavailable, "queue closed")
	}
	return nil
}

// Close implements Queue. Pending jobs are dropped.
func (m *Memory) Close() error {
	m.once.Do(func() { close(m.closed) })
	return nil
}

func (m *Memory) isClosed() bool {
	select {
	case <-m.closed:
		return true
	default:
		return false
	}
}

func checkTopic(topic string) error {
	if topic == "" {
		return errs.E(errs.BadUserInput, "queue: empty topic")
	}
	return nil
}
