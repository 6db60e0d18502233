package workers

import (
	"context"
	"time"
)

// loop is a long-running job run on every instance, such as the outbox relay, which
// coordinates with other instances itself.
type loop struct {
	name string
	fn   func(ctx context.Context) error
}

// Loop registers fn to run on this instance until ctx is cancelled, without a lock: fn
// must be safe to run on several instances at once. If fn returns or panics before then,
// it is logged and started again after a second.
func (r *Runner) Loop(name string, fn func(ctx context.Context) error) {
	r.loops = append(r.loops, loop{name: name, fn: fn})
}

// runLoop runs one loop until ctx is cancelled.
func (r *Runner) runLoop(ctx context.Context, l loop) {
	for ctx.Err() == nil {
		err := protect(ctx, l.fn)
		if ctx.Err() != nil {
			return
		}
		r.log.Error("loop stopped, restarting", "loop", l.name, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}
