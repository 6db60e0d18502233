package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus/collectors"

	"backbone/internal/outbox"
	"backbone/internal/queue"
	"backbone/internal/wallet"
	"backbone/workers"
)

// backlogReadTimeout bounds each read a scrape of /metrics makes of the outbox and of
// one queue topic.
const backlogReadTimeout = 2 * time.Second

// countJobsAndLedger makes the queue count its jobs and the ledger its transactions into
// the app's registry. It runs once both the database and the queue are open.
func (a *app) countJobsAndLedger() error {
	qm, err := queue.NewMetrics(a.metrics)
	if err != nil {
		return err
	}
	a.queue = queue.Instrument(a.queue, qm)
	ledger, err := wallet.CountTransactions(a.metrics)
	if err != nil {
		return err
	}
	a.db.Client.LedgerTransaction.Use(ledger)
	return nil
}

// collectBacklogs reads the outbox's backlog and the workers' queues at scrape time: the
// database and the broker are asked only when /metrics is, never per request.
// It also reports the database pool's statistics (go_sql_*{db_name="main"}): its open
// and idle connections, and how often and how long requests waited for one.
func (a *app) collectBacklogs() {
	a.metrics.MustRegister(
		collectors.NewDBStatsCollector(a.db.SQL, "main"),
		outbox.NewBacklogCollector(a.db.Client, backlogReadTimeout, a.log),
		queue.NewStatsCollector(a.queue, workers.Topics(a.workerDeps()), backlogReadTimeout, a.log),
	)
}
