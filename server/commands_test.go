package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"backbone/internal/testenv"
)

// Every command answers --help with its own usage and does nothing else: run with a
// DATABASE_URL that cannot be opened, any real work would fail.
func TestEveryCommandAnswersHelpWithoutDoingAnything(t *testing.T) {
	t.Parallel()
	env := mapEnv(map[string]string{"DATABASE_URL": "postgres://127.0.0.1:1/none?connect_timeout=1"})
	for _, c := range commands {
		for _, flag := range []string{"--help", "-h", "help"} {
			var out strings.Builder
			if err := run(context.Background(), []string{c.name, flag}, env, &out, io.Discard); err != nil {
				t.Errorf("%s %s: %v", c.name, flag, err)
			}
			if !strings.HasPrefix(out.String(), "usage: backbone "+c.name) {
				t.Errorf("%s %s printed %q, want its usage", c.name, flag, out.String())
			}
		}
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"--help"}, env, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "usage: backbone ") {
		t.Errorf("--help = %v %q", err, out.String())
	}
	for _, c := range commands {
		if !strings.Contains(out.String(), "  "+c.name+" ") {
			t.Errorf("the overview does not list %s:\n%s", c.name, out.String())
		}
	}
}

func TestVersionFlagPrintsTheVersion(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	if err := run(context.Background(), []string{"--version"}, mapEnv(nil), &out, io.Discard); err != nil || strings.TrimSpace(out.String()) != version() {
		t.Errorf("--version = %v %q, want %q", err, out.String(), version())
	}
}

func TestCommandsRefuseUnknownCommandsAndArguments(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"nonsense"}, {"migrate", "now"}, {"worker", "--fast"}} {
		err := run(context.Background(), args, mapEnv(nil), io.Discard, io.Discard)
		if !errors.Is(err, errUsage) {
			t.Errorf("%q = %v, want a usage error", args, err)
		}
	}
}

// An API apart from its workers, or workers apart from the API, need the Redis bus:
// without it the workers' live updates would never reach a subscription.
func TestASplitDeploymentWithoutRedisIsRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"worker"}, nil},
		{[]string{"serve"}, map[string]string{"RUN_WORKERS": "false"}},
	} {
		err := run(context.Background(), tc.args, mapEnv(tc.env), io.Discard, io.Discard)
		if !errors.Is(err, errNoSharedBus) || !strings.Contains(err.Error(), "REDIS_URL") {
			t.Errorf("%q %v = %v, want the refusal naming REDIS_URL", tc.args, tc.env, err)
		}
	}
}

// Apart, they need the RabbitMQ queue too: each process's in-process queue is its own, so
// the API would never see the workers' jobs (deadJobs, /health/detailed, the metrics).
func TestASplitDeploymentWithoutRabbitMQIsRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"worker"}, map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}},
		{[]string{"serve"}, map[string]string{"RUN_WORKERS": "false", "REDIS_URL": "redis://127.0.0.1:1/0"}},
	} {
		err := run(context.Background(), tc.args, mapEnv(tc.env), io.Discard, io.Discard)
		if !errors.Is(err, errNoSharedQueue) || !strings.Contains(err.Error(), "AMQP_URL") || errors.Is(err, errNoSharedBus) {
			t.Errorf("%q %v = %v, want the refusal naming AMQP_URL alone", tc.args, tc.env, err)
		}
	}
}

// A command that parses its own flags keeps "help" as a flag's value: it is not a request
// for help (create-admin then fails on the missing database, not with its usage).
func TestHelpAsAFlagValueIsNotARequestForHelp(t *testing.T) {
	t.Parallel()
	env := mapEnv(map[string]string{"DATABASE_URL": "postgres://127.0.0.1:1/none?connect_timeout=1", "ADMIN_PASSWORD": "a-Long-enough-passphrase-2026!", "STARTUP_TIMEOUT": "1s"})
	var out strings.Builder
	err := run(context.Background(), []string{"create-admin", "--email", "a@example.com", "--name", "help"}, env, &out, io.Discard)
	if err == nil || strings.HasPrefix(out.String(), "usage:") {
		t.Errorf("create-admin --name help = %v, printed %q; want it to run (and fail on the database)", err, out.String())
	}
}

// migrate, like the other commands, logs to stderr: stdout holds only its result line.
func TestMigrateLogsToStderr(t *testing.T) {
	t.Parallel()
	env := mapEnv(map[string]string{"DATABASE_URL": testenv.NewSQLiteURL(t), "LOG_LEVEL": "info"})
	var out, logs strings.Builder
	if err := run(context.Background(), []string{"migrate"}, env, &out, &logs); err != nil {
		t.Fatalf("migrate: %v\n%s", err, logs.String())
	}
	if lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "applied ") {
		t.Errorf("stdout %q, want only the result line", out.String())
	}
	if !strings.Contains(logs.String(), "migration applied") {
		t.Errorf("stderr %q, want the log lines", logs.String())
	}
}
