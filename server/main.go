// Command server runs Backbone: the GraphQL API, its background workers, and the
// maintenance commands (migrate).
//
//	go run ./server            serve the API (embedded default: SQLite, in-process bus, queue, cache)
//	go run ./server worker     run only the background workers
//	go run ./server migrate    apply pending database migrations and exit
//	go run ./server create-admin --email a@b.c   create an admin (password from ADMIN_PASSWORD or a prompt)
//	go run ./server seed       add demo accounts for the playground (refused in production)
//	go run ./server reencrypt  seal every encrypted value again under the newest data key
//	go run ./server version    print the version
//	server healthcheck         probe /healthz of a running server (Docker HEALTHCHECK)
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "backbone:", err)
		os.Exit(1)
	}
}

// run is the whole program; tests call it with their own environment and a context they cancel.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, getenv, stdout, nil)
	case "worker":
		return workerCommand(ctx, getenv, stdout)
	case "migrate":
		return migrateCommand(ctx, getenv, stdout)
	case "healthcheck":
		return healthcheck(ctx, getenv)
	case "create-admin":
		return createAdminCommand(ctx, args, getenv, os.Stdin, stdout, stderr)
	case "seed":
		return seedCommand(ctx, args, getenv, stdout, stderr)
	case "reencrypt":
		return reencryptCommand(ctx, args, getenv, stdout, stderr)
	case "version":
		_, err := fmt.Fprintln(stdout, version())
		return err
	case "help", "-h", "--help":
		_, err := fmt.Fprint(stdout, usage)
		return err
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage: server [command]

commands:
  serve     serve the GraphQL API and run the workers (default)
  worker    run only the background workers (scale them apart from the API)
  migrate   apply pending database migrations, print the status and exit
  healthcheck exit 0 if the server at ADDR answers /healthz (for container health checks)
  create-admin --email ADDRESS [--name NAME]
            create an ADMIN user or promote an existing one; the password comes from
            ADMIN_PASSWORD, a prompt on the terminal, or the first line of stdin
  seed      add demo accounts (admin, clients, experts) for the playground; not in production
  reencrypt seal every encrypted value (payout details) again under the first key of
            DATA_ENCRYPTION_KEYS, after a key rotation (see reencrypt --help)
  version   print the version

Configuration comes from environment variables; see README.md.
`
