package main

import (
	"context"
	"fmt"
	"io"
	"slices"
)

const rollupsUsage = `usage: backbone rollups rebuild

Recomputes the admin analytics rollups (daily figures, duration histograms, expert days)
from the base tables (questions, assignments, answers, disputes, ratings, ledger) in one
transaction, and prints what it counted. The live consumer keeps them up to date; run
this after restoring a backup, or to check them.
`

// rollupsCommand runs `rollups rebuild`.
func rollupsCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if slices.ContainsFunc(args, isHelp) {
		_, err := fmt.Fprint(stdout, rollupsUsage)
		return err
	}
	if len(args) != 1 || args[0] != "rebuild" {
		return fmt.Errorf("rollups: %w: the only subcommand is rebuild\n%s", errUsage, rollupsUsage)
	}
	a, err := openCommandApp(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	res, err := a.analytics.Rebuild(ctx)
	if err != nil {
		return fmt.Errorf("rollups rebuild: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "rollups rebuilt: %d questions, %d ledger transactions counted\n", res.Questions, res.LedgerEntries)
	return err
}
