package testenv

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// StripeMock starts stripe-mock (Stripe's official mock API server,
// github.com/stripe/stripe-mock) on a free port for the test's lifetime and returns its
// HTTP base URL. It skips the test (fails it under CI) when stripe-mock is not installed:
// go install github.com/stripe/stripe-mock@v0.203.0.
func StripeMock(tb testing.TB) string {
	tb.Helper()
	bin, err := exec.LookPath("stripe-mock")
	if err != nil {
		if home, herr := os.UserHomeDir(); herr == nil {
			if p := filepath.Join(home, "go", "bin", "stripe-mock"); fileExists(p) {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		msg := "testenv: stripe-mock is not installed (go install github.com/stripe/stripe-mock@v0.203.0)"
		if InCI() {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	// stripe-mock serves HTTPS too, on 12112 unless told otherwise: a port of its own
	// lets tests run in parallel.
	port, tlsPort := freePort(tb), freePort(tb)
	var out bytes.Buffer
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:"+port, "-https-addr", "127.0.0.1:"+tlsPort)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("testenv: start stripe-mock: %v", err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := "127.0.0.1:" + port
	for deadline := time.Now().Add(30 * time.Second); ; {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			tb.Fatalf("testenv: stripe-mock did not listen on %s: %v\n%s", addr, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freePort returns a TCP port that was free a moment ago.
func freePort(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("testenv: find a free port: %v", err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
