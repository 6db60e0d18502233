// Package deadjobs lets admins see the jobs the queue gave up on, of every topic the
// workers consume, and put one back on its queue.
package deadjobs

import (
	"context"
	"slices"

	"backbone/ent"
	"backbone/internal/audit"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/queue"
	"backbone/internal/viewer"
)

// Service lists and replays dead jobs.
type Service struct {
	queue  queue.Queue
	client *ent.Client
	topics []string
}

// New returns the service over q for topics (every job topic the workers consume);
// replays are audited through client.
func New(q queue.Queue, client *ent.Client, topics []string) *Service {
	return &Service{queue: q, client: client, topics: slices.Sorted(slices.Values(topics))}
}

// List returns the dead jobs of topic, or of every topic when it is nil, oldest first
// within a topic. Admins only. Errors: UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT
// (unknown topic), UNAVAILABLE (the queue).
func (s *Service) List(ctx context.Context, topic *string) ([]queue.DeadLetter, error) {
	const op = "deadjobs.List"
	if err := admin(ctx, false); err != nil {
		return nil, errs.Wrap(op, err)
	}
	topics := s.topics
	if topic != nil {
		if err := s.known(*topic); err != nil {
			return nil, errs.Wrap(op, err)
		}
		topics = []string{*topic}
	}
	var out []queue.DeadLetter
	for _, t := range topics {
		dead, err := s.queue.DeadLetters(ctx, t)
		if err != nil {
			return nil, errs.Wrap(op, err)
		}
		out = append(out, dead...)
	}
	return out, nil
}

// Replay puts the dead job id of topic back on its queue as a first attempt, audited;
// false when there is no such dead job. Admins only. Errors: UNAUTHENTICATED, FORBIDDEN,
// BAD_USER_INPUT (unknown topic), UNAVAILABLE.
func (s *Service) Replay(ctx context.Context, topic, id string) (bool, error) {
	const op = "deadjobs.Replay"
	if err := admin(ctx, true); err != nil {
		return false, errs.Wrap(op, err)
	}
	if err := s.known(topic); err != nil {
		return false, errs.Wrap(op, err)
	}
	ok, err := s.queue.Replay(ctx, topic, id)
	if err != nil || !ok {
		return false, errs.Wrap(op, err)
	}
	err = audit.Record(db.System(ctx), s.client, audit.Entry{
		Action: "job.replayed", TargetType: "Job", TargetID: id, Metadata: map[string]any{"topic": topic}})
	return true, errs.Wrap(op, err)
}

// known refuses a topic no worker consumes.
func (s *Service) known(topic string) error {
	if !slices.Contains(s.topics, topic) {
		return errs.E(errs.BadUserInput, "no worker consumes this topic").With("field", "topic").With("topics", s.topics)
	}
	return nil
}

// admin requires an admin; write also requires a principal that may make changes.
func admin(ctx context.Context, write bool) error {
	p, err := viewer.Required(ctx)
	switch {
	case err != nil:
		return err
	case !p.IsAdmin():
		return errs.E(errs.Forbidden, "admins only")
	case write && !p.CanWrite():
		return errs.E(errs.Forbidden, "this API key may not make changes")
	}
	return nil
}
