//go:build unix

package main

import "golang.org/x/sys/unix"

// openFileLimit is the process's open-file limit (RLIMIT_NOFILE; the Go runtime raises
// the soft limit to the hard one at start), or 0 when it cannot be read.
func openFileLimit() uint64 {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return uint64(rl.Cur) // int64 on some systems
}
