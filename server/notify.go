package main

import (
	"backbone/internal/notify"
	"backbone/workers"
)

// openNotify builds the notification service.
func (a *app) openNotify() {
	a.notify = notify.New(a.db.Client, a.bus, a.log)
}

// notifyWorkers registers the consumer that turns events into notifications. It runs on
// every instance: each event makes one notification per user, whoever handles it.
func (a *app) notifyWorkers(r *workers.Runner) {
	r.Loop("notify.events", a.notify.Run)
}
