package health

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// StatusWarn is the overall state of a Report whose dependencies are up but a business
// indicator is past its threshold: the API answers, something is falling behind.
const StatusWarn = "warn"

// States of a Measurement.
const (
	MeasureOK      = "ok"
	MeasureWarn    = "warn"
	MeasureUnknown = "unknown" // its indicator could not be read
)

// Indicator reads business measures (how far behind the outbox is, how deep the queues
// are) for Detailed, beside the dependencies, under the checks' timeout and cache TTL.
// Readyz and Healthz never read them.
type Indicator struct {
	// Name identifies the indicator in the report when it cannot be read.
	Name string
	// Read returns the current measures with their thresholds; Status is set by the
	// Checker.
	Read func(ctx context.Context) ([]Measurement, error)
}

// Measurement is one business measure and its threshold.
type Measurement struct {
	// Name is such as "outbox_lag_seconds"; Labels tell measures of one name apart
	// (such as {"topic": "pipeline.draft"}).
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
	Value  float64           `json:"value"`
	// WarnAbove is the threshold: a Value above it is a warning.
	WarnAbove float64 `json:"warn_above"`
	// Status is MeasureOK, MeasureWarn or MeasureUnknown.
	Status string `json:"status"`
	// Detail says more, such as which question is the oldest.
	Detail map[string]any `json:"detail,omitempty"`
	Error  string         `json:"error,omitempty"`
}

// WithIndicators adds business indicators to Detailed; it returns c.
func (c *Checker) WithIndicators(in ...Indicator) *Checker {
	c.indicators = append(c.indicators, in...)
	return c
}

// Business returns the indicators' measures, reading them (in parallel) when the cached
// ones are older than the cache TTL.
func (c *Checker) Business(ctx context.Context) []Measurement {
	c.bmu.Lock()
	defer c.bmu.Unlock()
	if c.bat.IsZero() || time.Since(c.bat) >= c.ttl {
		measures := make([][]Measurement, len(c.indicators))
		var wg sync.WaitGroup
		for i, in := range c.indicators {
			wg.Go(func() { measures[i] = c.measure(context.WithoutCancel(ctx), in) })
		}
		wg.Wait()
		c.measured = slices.Concat(measures...)
		c.bat = time.Now()
	}
	return slices.Clone(c.measured)
}

// measure reads one indicator under the timeout, like probe reads a dependency.
func (c *Checker) measure(ctx context.Context, in Indicator) []Measurement {
	var ms []Measurement
	err := c.guard(ctx, func(ctx context.Context) error {
		var err error
		ms, err = in.Read(ctx)
		return err
	})
	if err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "health indicator not read",
			slog.String("indicator", in.Name), slog.String("error", err.Error()))
		return []Measurement{{Name: in.Name, Status: MeasureUnknown, Error: truncate(err.Error(), 300)}}
	}
	for i := range ms {
		ms[i].Status = MeasureOK
		if ms[i].Value > ms[i].WarnAbove {
			ms[i].Status = MeasureWarn
		}
	}
	return ms
}

// guard runs fn under the timeout and turns a panic into an error. A fn that ignores
// its context is abandoned at the deadline (its goroutine ends whenever fn returns), and
// its results are not read after that.
func (c *Checker) guard(ctx context.Context, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- fmt.Errorf("panic: %v", v)
			}
		}()
		done <- fn(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("timed out after %s", c.timeout)
	}
}
