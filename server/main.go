// Command server is the backbone binary: the GraphQL API, its background workers, and the
// maintenance commands. commands.go lists them; `go run ./server --help` prints them.
//
//	go run ./server            serve the API (embedded default: SQLite, in-process bus, queue, cache)
//	go run ./server migrate    apply pending database migrations and exit
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"backbone/internal/config"
)

func main() {
	// The collector's target is the process's, so main sets it, not serve (tests run many
	// servers in one process).
	pct, err := config.GCPercent(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "backbone: configuration:", err)
		os.Exit(1)
	}
	debug.SetGCPercent(pct)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// Once the first signal starts the shutdown, a second one exits at once: unregistered,
	// the signal gets its default behaviour back.
	context.AfterFunc(ctx, stop)
	err = run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "backbone:", err)
		os.Exit(1)
	}
}

// run is the whole program; tests call it with their own environment and a context they cancel.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return dispatch(ctx, args, getenv, stdout, stderr)
}
