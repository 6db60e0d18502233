package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"backbone/internal/errs"
)

// adminPassword returns the new admin's password: ADMIN_PASSWORD when set, else typed twice
// on the terminal without echo, else the first line of stdin (for scripts that pipe it).
// Never a flag: flags show in the process list and the shell history.
func adminPassword(ctx context.Context, getenv func(string) string, stdin io.Reader, prompt io.Writer) (string, error) {
	if pw := getenv("ADMIN_PASSWORD"); pw != "" {
		return pw, nil
	}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return promptPassword(ctx, int(f.Fd()), prompt)
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errs.E(errs.BadUserInput, "no password: set ADMIN_PASSWORD, type it on a terminal or pipe it on stdin").With("field", "password")
	}
	return pw, nil
}

// promptPassword asks twice on the terminal fd. An interrupt (ctx cancelled: main catches
// SIGINT) restores the terminal's echo before returning.
func promptPassword(ctx context.Context, fd int, prompt io.Writer) (string, error) {
	state, err := term.GetState(fd)
	if err != nil {
		return "", fmt.Errorf("terminal: %w", err)
	}
	read := func(label string) (string, error) {
		fmt.Fprint(prompt, label)
		type result struct {
			b   []byte
			err error
		}
		ch := make(chan result, 1)
		go func() {
			b, err := term.ReadPassword(fd)
			ch <- result{b, err}
		}()
		select {
		case r := <-ch:
			fmt.Fprintln(prompt)
			return string(r.b), r.err
		case <-ctx.Done():
			_ = term.Restore(fd, state)
			fmt.Fprintln(prompt)
			return "", ctx.Err()
		}
	}
	first, err := read("Password for the new admin: ")
	if err != nil {
		return "", err
	}
	if first == "" {
		return "", errs.E(errs.BadUserInput, "no password given").With("field", "password")
	}
	second, err := read("Repeat the password: ")
	if err != nil {
		return "", err
	}
	if first != second {
		return "", errs.E(errs.BadUserInput, "the passwords do not match").With("field", "password")
	}
	return first, nil
}
