package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"backbone/internal/accounts"
	"backbone/internal/seal"
)

// openAccounts builds the profile, subject and payout-method service with the data
// encryption keys. Without DATA_ENCRYPTION_KEYS (refused in production) the public
// development key seals, and a warning says so; with keys in development, the
// development key still opens what it sealed, so `reencrypt` can move it to them.
func (a *app) openAccounts() error {
	keys, err := a.dataKeys()
	if err != nil {
		return err
	}
	a.accounts = accounts.New(accounts.Deps{Client: a.db.Client, Keys: keys, Settings: a.settings})
	return nil
}

func (a *app) dataKeys() (*seal.Keyring, error) {
	if a.cfg.IsProduction() {
		keys, err := seal.Parse(a.cfg.DataEncryptionKeys)
		if err != nil {
			return nil, fmt.Errorf("DATA_ENCRYPTION_KEYS: %w", err)
		}
		return keys, nil
	}
	keys, err := seal.Dev(a.cfg.DataEncryptionKeys)
	if err != nil {
		return nil, fmt.Errorf("DATA_ENCRYPTION_KEYS: %w", err)
	}
	if keys.Current() == seal.DevKeyID {
		a.log.Warn("no DATA_ENCRYPTION_KEYS: payout details are sealed with the public development key; set real keys (required in production)")
	}
	return keys, nil
}

const reencryptUsage = `usage: backbone reencrypt

Seals every encrypted value (experts' payout details) again under the first key of
DATA_ENCRYPTION_KEYS. To rotate: put a new key first, keep the old ones after it, deploy,
run this command, then remove the old keys. Values already under the first key are left
alone, so running it twice is harmless. It prints how many values it checked and sealed
again, and fails, after doing the rest, if a value does not open with any key given.
`

// reencryptCommand re-encrypts every sealed value under the newest key.
func reencryptCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reencrypt", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_, err = fmt.Fprint(stdout, reencryptUsage)
			return err
		}
		return fmt.Errorf("reencrypt: %w: %v\n%s", errUsage, err, reencryptUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("reencrypt: %w: it takes no arguments\n%s", errUsage, reencryptUsage)
	}
	a, err := openCommandApp(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	res, err := a.accounts.Reencrypt(ctx)
	if _, perr := fmt.Fprintf(stdout, "payout methods: %d checked, %d sealed again under key %q\n",
		res.Checked, res.Resealed, a.accounts.SealingKeyID()); perr != nil && err == nil {
		err = perr
	}
	if err != nil {
		return fmt.Errorf("reencrypt: %w", err)
	}
	return nil
}
