package main

import (
	"context"

	"backbone/internal/settings"
)

// openSettings builds the marketplace settings service and follows other instances'
// updates on the bus until the app closes.
func (a *app) openSettings() {
	a.settings = settings.New(settings.Deps{DB: a.db, Bus: a.bus, Log: a.log}, settings.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = a.settings.Run(ctx)
	}()
	// Closed before the bus (closers run in reverse), and waited for.
	a.closers = append(a.closers, func() error { cancel(); <-done; return nil })
}
