package live

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"backbone/ent/question"
	"backbone/internal/bus"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/viewer"
)

// TaskQueueChange says whether a question entered or left the experts' queue.
type TaskQueueChange string

// The changes of the experts' queue.
const (
	TaskAdded   TaskQueueChange = "ADDED"
	TaskRemoved TaskQueueChange = "REMOVED"
)

// TaskQueueEvent is one change of the experts' queue, made from the event alone (no
// database read), so that it is the same for every expert of its subject.
type TaskQueueEvent struct {
	Change     TaskQueueChange
	QuestionID uuid.UUID
	Subject    string
	// Title, Urgency, Price and Deadline are set when the question was added.
	Title    *string
	Urgency  *question.Urgency
	Price    *int64
	Deadline *time.Time
	At       time.Time
}

func newTaskRouter(s *Service) *router[TaskQueueEvent] {
	r := newRouter(s, decodeTask, events.TopicTaskAvailable, events.TopicTaskTaken)
	r.accept = newRecency(4096).fresh
	r.catchUp = s.queueChanges
	return r
}

// Catching up after a gap reads the queue's changes from the database, from a little
// before the gap began (the change times come from the clocks of every instance), at
// most catchUpLimit of each kind.
const (
	clockSkew    = 5 * time.Second
	catchUpLimit = 1000
)

// queueChanges makes the events of the questions that entered or left the queue in
// subjects since since, oldest first. Those the subscribers already had are dropped by
// the recency check, which knows the events already handed out.
func (s *Service) queueChanges(ctx context.Context, subjects []string, since time.Time) ([]keyed[TaskQueueEvent], error) {
	queued, left, err := s.questions.QueueChanges(ctx, subjects, since.Add(-clockSkew), catchUpLimit)
	if err != nil {
		return nil, err
	}
	out := make([]keyed[TaskQueueEvent], 0, len(queued)+len(left))
	for _, q := range queued {
		out = append(out, keyed[TaskQueueEvent]{key: strings.ToLower(q.Subject), event: TaskQueueEvent{
			Change: TaskAdded, QuestionID: q.ID, Subject: q.Subject,
			Title: &q.Title, Urgency: &q.Urgency, Price: &q.Price, Deadline: &q.Deadline, At: q.UpdatedAt}})
	}
	for _, q := range left {
		out = append(out, keyed[TaskQueueEvent]{key: strings.ToLower(q.Subject), event: TaskQueueEvent{
			Change: TaskRemoved, QuestionID: q.ID, Subject: q.Subject, At: q.UpdatedAt}})
	}
	slices.SortStableFunc(out, func(a, b keyed[TaskQueueEvent]) int { return a.event.At.Compare(b.event.At) })
	return out, nil
}

// decodeTask reads a task.available or task.taken event, keyed by its lower-cased subject.
func decodeTask(m bus.Message) (TaskQueueEvent, string, bool) {
	var out TaskQueueEvent
	switch m.Topic {
	case events.TopicTaskAvailable:
		var e events.TaskAvailable
		if json.Unmarshal(m.Payload, &e) != nil {
			return out, "", false
		}
		out = TaskQueueEvent{Change: TaskAdded, QuestionID: e.QuestionID, Subject: e.Subject,
			Title: &e.Title, Urgency: &e.Urgency, Price: &e.Price, Deadline: &e.Deadline, At: e.At}
	case events.TopicTaskTaken:
		var e events.TaskTaken
		if json.Unmarshal(m.Payload, &e) != nil {
			return out, "", false
		}
		out = TaskQueueEvent{Change: TaskRemoved, QuestionID: e.QuestionID, Subject: e.Subject, At: e.At}
	}
	if out.QuestionID == uuid.Nil || out.Subject == "" {
		return out, "", false
	}
	return out, strings.ToLower(out.Subject), true
}

// recency remembers each recent question's last change, to drop an event older than
// the one handed out (the two topics arrive on two subscriptions, so a question released
// then claimed at once could otherwise be seen removed, then added) and one that repeats
// it (read again after a gap): the queue is a set, and a second ADDED or REMOVED in a
// row changes nothing.
type recency struct {
	mu    sync.Mutex
	last  map[uuid.UUID]lastChange
	order []uuid.UUID // oldest first, to forget beyond size
	size  int
}

type lastChange struct {
	at     time.Time
	change TaskQueueChange
}

func newRecency(size int) *recency {
	return &recency{last: map[uuid.UUID]lastChange{}, size: size}
}

// fresh reports whether e is not older than the last event of its question and another
// change than it, and remembers it.
func (r *recency) fresh(e TaskQueueEvent) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	last, seen := r.last[e.QuestionID]
	if seen && (e.At.Before(last.at) || e.Change == last.change) {
		return false
	}
	if !seen {
		r.order = append(r.order, e.QuestionID)
		if len(r.order) > r.size {
			delete(r.last, r.order[0])
			r.order = slices.Delete(r.order, 0, 1)
		}
	}
	r.last[e.QuestionID] = lastChange{at: e.At, change: e.Change}
	return true
}

// TaskQueue streams the changes of the experts' queue in subjects (matched regardless
// of case) until ctx ends. A subscriber that falls more than taskBox changes behind loses
// the oldest (overflow.go). It checks no rights: TaskQueueChanged does. Errors: UNAVAILABLE.
func (s *Service) TaskQueue(ctx context.Context, subjects []string) (<-chan TaskQueueEvent, error) {
	return listen(ctx, s.taskQueue, &listener[TaskQueueEvent]{keys: lowerSubjects(subjects), box: newMailbox[TaskQueueEvent](taskBox)})
}

// TaskQueueSubscription is a taskQueueChanged subscription.
type TaskQueueSubscription struct {
	// Events are the changes of the queue in the subjects the viewer had when it began.
	Events <-chan TaskQueueEvent
	// Audience names who sees the same events: every expert of the same subjects.
	Audience string
	// SubjectsChanged closes when the viewer's subjects are no longer those (or they may
	// no longer work the queue): their subscription should end, so that a subject given
	// up is not followed on, while Events, which other experts of those subjects may
	// share, go on.
	SubjectsChanged <-chan struct{}
}

// TaskQueueChanged streams the changes of the queue the viewer, an approved expert,
// works (questions.TaskSubjects). Events last as long as ctx; the subjects are watched
// (at every expert.subjects_changed event of the viewer, and after a bus gap) until
// subscriber closes, or ctx ends when subscriber is nil: a transport that shares one
// execution among subscribers cancels a later subscriber's ctx at once. Errors:
// UNAUTHENTICATED, FORBIDDEN, UNAVAILABLE.
func (s *Service) TaskQueueChanged(ctx context.Context, subscriber <-chan struct{}) (TaskQueueSubscription, error) {
	p, err := viewer.Required(ctx)
	if err != nil {
		return TaskQueueSubscription{}, errs.Wrap("live.TaskQueueChanged", err)
	}
	// Listen for subject changes first, so that none falls between the read and the watch.
	parent := ctx
	if subscriber != nil {
		parent = context.WithoutCancel(ctx)
	}
	watch, stopWatch := context.WithCancel(parent)
	if subscriber != nil {
		go func() {
			select {
			case <-subscriber:
				stopWatch()
			case <-watch.Done():
			}
		}()
	}
	changes, err := listen(watch, s.subjectChanges, &listener[events.ExpertSubjectsChanged]{
		keys: []string{p.UserID.String()}, box: newMailbox[events.ExpertSubjectsChanged](1)})
	if err != nil {
		stopWatch()
		return TaskQueueSubscription{}, errs.Wrap("live.TaskQueueChanged", err)
	}
	subjects, err := s.questions.TaskSubjects(ctx)
	if err != nil {
		stopWatch()
		return TaskQueueSubscription{}, errs.Wrap("live.TaskQueueChanged", err)
	}
	ch, err := s.TaskQueue(ctx, subjects)
	if err != nil {
		stopWatch()
		return TaskQueueSubscription{}, errs.Wrap("live.TaskQueueChanged", err)
	}
	changed := make(chan struct{})
	go func() {
		defer stopWatch()
		if s.subjectsChange(watch, changes, subjects) {
			close(changed)
		}
	}()
	return TaskQueueSubscription{Events: ch, Audience: TaskQueueAudience(subjects), SubjectsChanged: changed}, nil
}

// subjectsChange reports, once it knows, whether the viewer's subjects are no longer
// subjects (or the viewer may no longer work the queue), read again at every change
// event (a redelivered or replayed one changes nothing); false when ctx ended first.
func (s *Service) subjectsChange(ctx context.Context, changes <-chan events.ExpertSubjectsChanged, subjects []string) bool {
	want := lowerSubjects(subjects)
	for range changes {
		now, err := s.questions.TaskSubjects(ctx)
		switch {
		case ctx.Err() != nil:
			return false
		case err == nil:
			if !slices.Equal(lowerSubjects(now), want) {
				return true
			}
			continue
		}
		switch errs.CodeOf(err) {
		case errs.Forbidden, errs.Unauthenticated, errs.NotFound:
			return true
		}
		// The next change reads them again; ending would make the client resubscribe.
		s.log.Warn("live: expert subjects reload failed", "err", err)
	}
	return false
}

func newSubjectsRouter(s *Service) *router[events.ExpertSubjectsChanged] {
	r := newRouter(s, func(m bus.Message) (events.ExpertSubjectsChanged, string, bool) {
		var e events.ExpertSubjectsChanged
		if err := json.Unmarshal(m.Payload, &e); err != nil || e.UserID == uuid.Nil {
			return e, "", false
		}
		return e, e.UserID.String(), true
	}, events.TopicExpertSubjectsChanged)
	// After a gap a change may have been missed: every stream reads its subjects again.
	r.refresh = func(key string) (events.ExpertSubjectsChanged, bool) {
		id, err := uuid.Parse(key)
		return events.ExpertSubjectsChanged{UserID: id}, err == nil
	}
	return r
}

// TaskQueueAudience names the experts of subjects: "taskqueue:" and the sorted,
// lower-cased subjects, each quoted.
func TaskQueueAudience(subjects []string) string {
	quoted := lowerSubjects(subjects)
	for i, s := range quoted {
		quoted[i] = strconv.Quote(s)
	}
	return "taskqueue:" + strings.Join(quoted, ",")
}

// lowerSubjects lower-cases, sorts and de-duplicates subjects.
func lowerSubjects(subjects []string) []string {
	out := make([]string, 0, len(subjects))
	for _, s := range subjects {
		out = append(out, strings.ToLower(s))
	}
	slices.Sort(out)
	return slices.Compact(out)
}
