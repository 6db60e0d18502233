// Package graph is the GraphQL layer: thin resolvers over the services in internal/.
package graph

import (
	"log/slog"

	"backbone/ent"
	"backbone/internal/accounts"
	"backbone/internal/analytics"
	"backbone/internal/auth"
	"backbone/internal/deadjobs"
	"backbone/internal/live"
	"backbone/internal/notify"
	"backbone/internal/questions"
	"backbone/internal/settings"
	"backbone/internal/wallet"
)

// Resolver is the root resolver; it holds the services the resolvers call.
type Resolver struct {
	Client *ent.Client
	Auth   *auth.Service
	// Profiles changes profiles, expert subjects and payout methods (named so as not to
	// clash with the accounts query).
	Profiles *accounts.Service
	Ledger   *wallet.Service
	// Market holds the marketplace settings (named so as not to clash with the settings field).
	Market *settings.Service
	// Lifecycle runs the question lifecycle: questions, tasks, answers, disputes (named
	// so as not to clash with the questions field).
	Lifecycle *questions.Service
	// Jobs lists and replays the jobs the queue gave up on.
	Jobs *deadjobs.Service
	// Notify lists, marks and streams the viewer's notifications.
	Notify *notify.Service
	// Live feeds questionUpdated, taskQueueChanged and platformStats.
	Live *live.Service
	// Insight reads the admins' analytics from the rollups (named so as not to clash with
	// the analytics field).
	Insight *analytics.Service
	Info    ServerInfo
	Log     *slog.Logger
}

// ServerInfo describes this server for the public serverInfo query.
type ServerInfo struct {
	Version     string
	Environment string
	Components  []Component
}

// Component is one dependency of the server and how it is provided.
type Component struct {
	Name     string // database, bus, queue, cache
	External bool   // an external service rather than an in-process implementation
	Driver   string // sqlite, postgres, memory, redis, amqp, openai-compatible, none
	// Model is the ai component's model(s); None says it is not configured.
	Model string
	None  bool
}
