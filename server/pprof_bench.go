//go:build benchpprof

package main

import (
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
)

// Built only with -tags benchpprof (bench/http -profile): the profiler on PPROF_ADDR, a
// listener of its own, so that profiles of the server under load can be taken. Release
// builds have no such endpoint.
func init() {
	if addr := os.Getenv("PPROF_ADDR"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
