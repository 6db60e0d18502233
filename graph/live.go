package graph

import (
	"context"

	"backbone/graph/gqlws"
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
	return mapStreamUntil(ctx, in, nil, f)
}

// mapStreamUntil is mapStream that also ends when until closes (nil: never).
func mapStreamUntil[T, U any](ctx context.Context, in <-chan T, until <-chan struct{}, f func(T) U) <-chan U {
	out := make(chan U)
	go func() {
		defer close(out)
		for {
			select {
			case v, ok := <-in:
				if !ok {
					return
				}
				select {
				case out <- f(v):
				case <-ctx.Done():
					return
				case <-until:
					return
				}
			case <-until:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// taskQueueStream subscribes the viewer to the task queue. Over websockets the stream is
// shared with the experts of the same subjects, and this subscriber alone completes when
// their subjects change; elsewhere (server-sent events) the stream itself ends then.
func (r *Resolver) taskQueueStream(ctx context.Context) (<-chan *model.TaskQueueEvent, error) {
	l, err := r.liveService()
	if err != nil {
		return nil, err
	}
	sub, err := l.TaskQueueChanged(ctx, gqlws.Subscriber(ctx))
	if err != nil {
		return nil, err
	}
	if gqlws.Share(ctx, sub.Audience, gqlws.EndsWhen(sub.SubjectsChanged)) {
		return mapStream(ctx, sub.Events, taskQueueEvent), nil
	}
	return mapStreamUntil(ctx, sub.Events, sub.SubjectsChanged, taskQueueEvent), nil
}

// taskQueueEvent is the GraphQL shape of a queue change.
func taskQueueEvent(e live.TaskQueueEvent) *model.TaskQueueEvent {
	out := &model.TaskQueueEvent{
		Change: model.TaskQueueChange(e.Change), QuestionID: GlobalID("Question", e.QuestionID),
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
