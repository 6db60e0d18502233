package main

import "backbone/internal/live"

// openLive builds the live updates service: the routers of questionUpdated and
// taskQueueChanged, the presence of experts and platformStats. Its Track method is what
// the websocket transport calls for each authenticated connection. It closes before the
// bus, telling the other instances that this one's experts are gone.
func (a *app) openLive() {
	a.live = live.New(live.Deps{Bus: a.bus, Questions: a.questions, Log: a.log}, live.Options{})
	a.closers = append(a.closers, a.live.Close)
}
