package health

import "time"

// Status of a dependency.
type Status string

// Dependency states.
const (
	Up   Status = "up"
	Down Status = "down"
)

// Overall states of a Report.
const (
	// StatusOK: every check passed.
	StatusOK = "ok"
	// StatusDegraded: only optional checks failed; the API still answers.
	StatusDegraded = "degraded"
	// StatusDown: a required check failed.
	StatusDown = "down"
)

// Result is the outcome of one check.
type Result struct {
	Name      string  `json:"name"`
	Mode      string  `json:"mode,omitempty"`
	Driver    string  `json:"driver,omitempty"`
	Required  bool    `json:"required"`
	Status    Status  `json:"status"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
}

// Report is the outcome of all checks, as served by Detailed.
type Report struct {
	// Status is StatusOK, StatusDegraded or StatusDown.
	Status       string    `json:"status"`
	Draining     bool      `json:"draining"`
	CheckedAt    time.Time `json:"checked_at"`
	Dependencies []Result  `json:"dependencies"`
}

// Ready reports whether every required check passed and the server is not draining.
func (r Report) Ready() bool { return r.Status != StatusDown && !r.Draining }

// Failed lists the names of the checks that are down.
func (r Report) Failed() []string {
	var names []string
	for _, d := range r.Dependencies {
		if d.Status == Down {
			names = append(names, d.Name)
		}
	}
	return names
}
