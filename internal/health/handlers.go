package health

import (
	"encoding/json"
	"net/http"
)

// Healthz answers 200 {"status":"ok"} while the process serves HTTP, draining or not.
func (c *Checker) Healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": StatusOK})
}

// Livez is the liveness probe: 200 {"status":"ok"} while the process serves.
// It never looks at dependencies, so an outage of the database does not get
// the process restarted.
func (c *Checker) Livez(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": StatusOK})
}

// Readyz is the readiness probe: 200 {"status":"ok"} when every required
// check passes and the server is not draining; 503 otherwise, with
// {"status":"draining"} or {"status":"down","failed":[names]}.
func (c *Checker) Readyz(w http.ResponseWriter, r *http.Request) {
	if c.Draining() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "draining"})
		return
	}
	rep := c.Snapshot(r.Context())
	if !rep.Ready() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": rep.Status, "failed": rep.Failed()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": StatusOK})
}

// Detailed serves the Report as JSON: overall status, draining, each
// dependency's name, mode, driver, required, status, latency_ms and error, and
// the business measures of the indicators with their thresholds. It answers 503
// when a required dependency is down, 200 otherwise (optional ones down give
// status "degraded"; a measure past its threshold or unreadable, "warn"). Error
// texts may name hosts: serve it to operators only.
func (c *Checker) Detailed(w http.ResponseWriter, r *http.Request) {
	rep := c.Snapshot(r.Context())
	rep.Business = c.Business(r.Context())
	if rep.Status == StatusOK && rep.Warnings() > 0 {
		rep.Status = StatusWarn
	}
	code := http.StatusOK
	if rep.Status == StatusDown {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, rep)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
