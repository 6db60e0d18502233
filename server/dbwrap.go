package main

import (
	"context"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"backbone/ent"
)

type driverWrapKey struct{}

// withDriverWrap returns ctx asking openApp to route every ent query of the app through
// wrap, such as a driver that counts statements in a test.
func withDriverWrap(ctx context.Context, wrap func(dialect.Driver) dialect.Driver) context.Context {
	return context.WithValue(ctx, driverWrapKey{}, wrap)
}

// wrapDriver replaces the app's ent client by one over the wrapped driver, when ctx asks
// for it; it runs before any service is built, so that every service uses it.
func (a *app) wrapDriver(ctx context.Context) {
	wrap, ok := ctx.Value(driverWrapKey{}).(func(dialect.Driver) dialect.Driver)
	if !ok {
		return
	}
	// The new client shares the pool; closing it closes the pool as before.
	a.db.Client = ent.NewClient(ent.Driver(wrap(entsql.OpenDB(a.db.Dialect, a.db.SQL))))
}
