package main

import "backbone/internal/notify"

// openNotify builds the notification service.
func (a *app) openNotify() {
	a.notify = notify.New(a.db, a.bus, a.log)
	a.unsubscribe = notify.Unsubscriber{Keys: a.keys, Notify: a.notify}
	a.notify.SendEmails(notify.EmailConfig{Keys: a.keys, PublicURL: a.cfg.PublicURL})
}
