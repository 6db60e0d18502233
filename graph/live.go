package graph

import (
	"context"

	"backbone/graph/model"
	"backbone/internal/errs"
	"backbone/internal/live"
)

// liveService is the live updates service, or UNAVAILABLE when the server runs without it.
func (r *Resolver) liveService() (*live.Service, error) {
	if r.Live == nil {
		return nil, errs.E(errs.Unavailable, "live updates are not available on this server")
	}
	return r.Live, nil
}

// mapStream converts each value of in with f until in closes or ctx ends.
func mapStream[T, U any](ctx context.Context, in <-chan T, f func(T) U) <-chan U {
	out := make(chan U)
	go func() {
		defer close(out)
		for v := range in {
			select {
			case out <- f(v):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// taskQueueEvent is the GraphQL shape of a queue change.
func taskQueueEvent(e live.TaskQueueEvent) *model.TaskQueueEvent {
	out := &model.TaskQueueEvent{
		Change: model.TaskQueueChange(e.Change), QuestionID: globalID("Question", e.QuestionID),
		Subject: e.Subject, Title: e.Title, Deadline: e.Deadline, At: e.At,
	}
	if e.Urgency != nil {
		u := model.Urgency(*e.Urgency)
		out.Urgency = &u
	}
	if e.Price != nil {
		p := int(*e.Price)
		out.Price = &p
	}
	return out
}

// platformStats is the GraphQL shape of the platform's figures.
func platformStats(s live.PlatformStats) *model.PlatformStats {
	out := &model.PlatformStats{QueueDepth: s.QueueDepth, ExpertsOnline: s.ExpertsOnline, At: s.At,
		QuestionsByStatus: make([]*model.QuestionStatusCount, 0, len(s.QuestionsByStatus))}
	for _, c := range s.QuestionsByStatus {
		out.QuestionsByStatus = append(out.QuestionsByStatus, &model.QuestionStatusCount{Status: c.Status, Count: c.Count})
	}
	return out
}
