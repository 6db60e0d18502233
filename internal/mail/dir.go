package mail

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// dirSender writes each email as an .eml file a developer can open in a mail client:
// the embedded default, so that an email is never silently dropped.
type dirSender struct{ dir string }

func newDirSender(dir string) (dirSender, error) {
	if dir == "" {
		return dirSender{}, fmt.Errorf("a directory is required without SMTP_URL")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dirSender{}, err
	}
	if err := checkWritable(abs); err != nil {
		return dirSender{}, fmt.Errorf("MAIL_DIR %s cannot be written: %w", abs, err)
	}
	return dirSender{dir: abs}, nil
}

// checkWritable checks that dir, or the nearest of its parents that exists when it does
// not yet (send makes it), takes a file: a temporary one, removed at once.
func checkWritable(dir string) error {
	for {
		fi, err := os.Stat(dir)
		if errors.Is(err, fs.ErrNotExist) && filepath.Dir(dir) != dir {
			dir = filepath.Dir(dir)
			continue
		}
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", dir)
		}
		f, err := os.CreateTemp(dir, ".backbone-check-*")
		if err != nil {
			return err
		}
		f.Close()
		return os.Remove(f.Name())
	}
}

func (d dirSender) String() string { return "directory " + d.dir }

// send writes the file under a temporary name and renames it, so that a reader never
// sees half an email. Files are named by queue time and job id: they sort in the order
// they were queued, and a redelivered job rewrites its own file.
func (d dirSender) send(_ context.Context, jobID string, m Message, msg *gomail.Msg) error {
	// Made on first use, so that a process that sends nothing leaves no empty directory.
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return err
	}
	name := m.QueuedAt.UTC().Format("20060102T150405.000000Z") + "-" + safeName(jobID) + ".eml"
	tmp, err := os.CreateTemp(d.dir, ".writing-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename this finds nothing
	if _, err := msg.WriteTo(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(d.dir, name))
}

// safeName keeps the letters, digits and dashes of a job id.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, s)
}
