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
	// Status is StatusOK, StatusWarn, StatusDegraded or StatusDown (the worst wins:
	// a dependency down outranks a warning).
	Status       string    `json:"status"`
	Draining     bool      `json:"draining"`
	CheckedAt    time.Time `json:"checked_at"`
	Dependencies []Result  `json:"dependencies"`
	// Business lists the indicators' measures (Detailed only; none without indicators).
	Business []Measurement `json:"business,omitempty"`
}

// Warnings counts the business measures past their threshold or not read.
func (r Report) Warnings() int {
	n := 0
	for _, m := range r.Business {
		if m.Status != MeasureOK {
			n++
		}
	}
	return n
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
