package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// binaryName is what the usage calls the program: the name the Dockerfile builds.
const binaryName = "backbone"

// command is one subcommand of the binary. Every command answers -h, --help and help
// with its usage and does nothing else.
type command struct {
	name    string
	summary string // one line or more, indented under the name in the overview
	usage   string // the command's own help; its first line is "usage: backbone NAME ..."
	// takesArgs: the command parses its own arguments; otherwise any argument is refused.
	takesArgs bool
	run       func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

// commands lists the subcommands in the order the overview prints them.
var commands = []command{
	{name: "serve", summary: "serve the GraphQL API and run the workers (the default)",
		usage: "usage: backbone serve\n\nServes the GraphQL API on ADDR and, unless RUN_WORKERS=false, runs the background\nworkers in the same process. Configuration comes from the environment (README.md).\n",
		run: func(ctx context.Context, _ []string, getenv func(string) string, stdout, _ io.Writer) error {
			return serve(ctx, getenv, stdout, nil)
		}},
	{name: "worker", summary: "run only the background workers (scale them apart from the API; needs REDIS_URL and AMQP_URL)",
		usage: "usage: backbone worker\n\nRuns only the background workers. The API must reach the workers' live updates and jobs,\nso a separate worker process needs the shared Redis bus and RabbitMQ queue: REDIS_URL\nand AMQP_URL are required.\n",
		run: func(ctx context.Context, _ []string, getenv func(string) string, stdout, _ io.Writer) error {
			return workerCommand(ctx, getenv, stdout)
		}},
	{name: "migrate", summary: "apply pending database migrations, print the status and exit",
		usage: "usage: backbone migrate\n\nApplies the pending migrations to DATABASE_URL (the embedded SQLite file without it),\nprints how many were applied and the resulting status, and exits.\n",
		run: func(ctx context.Context, _ []string, getenv func(string) string, stdout, stderr io.Writer) error {
			return migrateCommand(ctx, getenv, stdout, stderr)
		}},
	{name: "create-admin", summary: "--email ADDRESS [--name NAME]\ncreate an ADMIN user or promote an existing one",
		usage: createAdminUsage, takesArgs: true,
		run: func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
			return createAdminCommand(ctx, args, getenv, os.Stdin, stdout, stderr)
		}},
	{name: "seed", summary: "add demo accounts (admin, clients, experts) for the playground; not in production",
		usage: "usage: backbone seed\n\nAdds the demo accounts the README's walk-through signs in with (their passwords are\npublic, so seed is refused with APP_ENV=production). A second run changes nothing.\n",
		run:   seedCommand},
	{name: "reencrypt", summary: "seal every encrypted value (payout details) again under the newest DATA_ENCRYPTION_KEYS key",
		usage: reencryptUsage, takesArgs: true, run: reencryptCommand},
	{name: "rollups", summary: "rebuild\nrecompute the admin analytics rollups from the base tables",
		usage: rollupsUsage, takesArgs: true, run: rollupsCommand},
	{name: "healthcheck", summary: "exit 0 if the server or worker answers /healthz (for container health checks)",
		usage: "usage: backbone healthcheck\n\nProbes /healthz on METRICS_ADDR when it is set (the API and a worker both serve it\nthere; a worker has no other listener), on ADDR (default :8080) otherwise, and exits 0\nwhen it answers 200, 1 otherwise: a HEALTHCHECK for images without a shell or curl.\n",
		run: func(ctx context.Context, _ []string, getenv func(string) string, _, _ io.Writer) error {
			return healthcheck(ctx, getenv)
		}},
	{name: "version", summary: "print the version (also --version)",
		usage: "usage: backbone version\n\nPrints the version the binary was built as.\n",
		run: func(_ context.Context, _ []string, _ func(string) string, stdout, _ io.Writer) error {
			_, err := fmt.Fprintln(stdout, version())
			return err
		}},
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "help" || arg == "-help"
}

// dispatch runs the command args name, or prints help. No command means serve.
func dispatch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	name := "serve"
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	switch {
	case isHelp(name):
		_, err := fmt.Fprint(stdout, overview())
		return err
	case name == "--version" || name == "-version":
		name = "version"
	}
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == name })
	if i < 0 {
		return fmt.Errorf("%w: unknown command %q\n%s", errUsage, name, overview())
	}
	c := commands[i]
	// A command that parses its own flags takes "help" as a value (create-admin --name
	// help); only its first argument can ask for help here, its parser handles -h after.
	if len(args) > 0 && (isHelp(args[0]) || !c.takesArgs && slices.ContainsFunc(args, isHelp)) {
		_, err := fmt.Fprint(stdout, c.usage)
		return err
	}
	if len(args) > 0 && !c.takesArgs {
		return fmt.Errorf("%s: %w: it takes no arguments (configuration comes from the environment)\n%s", name, errUsage, c.usage)
	}
	return c.run(ctx, args, getenv, stdout, stderr)
}

// overview is the binary's usage: every command and its summary.
func overview() string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s [command] [--help]\n\ncommands:\n", binaryName)
	for _, c := range commands {
		lines := strings.Split(c.summary, "\n")
		fmt.Fprintf(&b, "  %-12s %s\n", c.name, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(&b, "  %-12s %s\n", "", l)
		}
	}
	b.WriteString("\nRun `" + binaryName + " COMMAND --help` for a command's own help. Configuration comes from\nenvironment variables; see README.md.\n")
	return b.String()
}
