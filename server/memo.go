package main

import (
	"backbone/internal/cache"
	"backbone/internal/memo"
)

// newMemo returns the get-or-compute cache called name: shared in Redis (under the
// cache's namespaced prefix) when it is configured, in process otherwise, invalidated
// over the app's bus, counted in /metrics, and closed with the app (before the bus).
func (a *app) newMemo(name string) *memo.Memo {
	var shared cache.Cache
	if a.redis != nil {
		shared = a.cache
	}
	m := memo.New(memo.Config{Name: name, Shared: shared, Bus: a.bus, Metrics: a.memoMetrics, Log: a.log})
	a.closers = append(a.closers, m.Close)
	return m
}
