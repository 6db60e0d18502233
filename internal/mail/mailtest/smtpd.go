package mailtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// python is Debian's interpreter, which has python3-aiosmtpd; a python3 earlier on PATH
// (pyenv's, say) may not.
const python = "/usr/bin/python3"

// SMTPServer is an aiosmtpd process that keeps what it receives in a Maildir.
type SMTPServer struct {
	// Addr is host:port.
	Addr string
	// Dir is the Maildir; messages land in Dir/new.
	Dir string
}

// URL is the SMTP_URL of the server: plain text (aiosmtpd offers no STARTTLS here).
func (s *SMTPServer) URL() string { return "smtp://" + s.Addr + "?starttls=none" }

// Messages reads what the server has received so far.
func (s *SMTPServer) Messages(t testing.TB) []Received {
	return ReadDir(t, filepath.Join(s.Dir, "new"), "")
}

// StartSMTP starts a real SMTP server (aiosmtpd with its Mailbox handler) on a free local
// port until the test ends. Without python3-aiosmtpd the test is skipped, or fails under
// CI=true.
func StartSMTP(t testing.TB) *SMTPServer {
	t.Helper()
	if out, err := exec.Command(python, "-c", "import aiosmtpd").CombinedOutput(); err != nil {
		msg := fmt.Sprintf("mailtest: %s cannot import aiosmtpd (apt-get install python3-aiosmtpd): %v %s", python, err, out)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// A path that does not exist yet: the Mailbox handler then makes the Maildir's
	// cur, new and tmp directories (it does not in an existing directory).
	dir := filepath.Join(t.TempDir(), "maildir")
	for attempt := 0; attempt < 3; attempt++ {
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, python, "-m", "aiosmtpd", "-n", "-l", addr,
			"-c", "aiosmtpd.handlers.Mailbox", dir)
		logs := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			cancel()
			t.Fatalf("mailtest: start aiosmtpd: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		stop := func() { cancel(); <-exited }
		if waitListening(addr, exited) {
			t.Cleanup(stop)
			return &SMTPServer{Addr: addr, Dir: dir}
		}
		stop()
		t.Logf("mailtest: aiosmtpd on %s did not come up (attempt %d): %s", addr, attempt+1, logs.String())
	}
	t.Fatal("mailtest: aiosmtpd did not start")
	return nil
}

// waitListening waits until addr accepts connections, or the process exits.
func waitListening(addr string, exited <-chan struct{}) bool {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// freeAddr finds a free local port (another process may take it before aiosmtpd does,
// hence StartSMTP's retries).
func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}
