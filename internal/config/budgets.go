package config

import (
	"fmt"
	"time"

	"backbone/internal/ratelimit"
)

// budgetProblems checks the rate budgets: each is off (0) or large enough for the most
// expensive operation QUERY_COMPLEXITY_LIMIT admits, which could otherwise never run.
func (c Config) budgetProblems() []error {
	var p []error
	most := ratelimit.Points(c.ComplexityLimit)
	for _, b := range []struct {
		name   string
		points int
	}{
		{"RATE_BUDGET_USER", c.RateBudgetUser},
		{"RATE_BUDGET_API_KEY", c.RateBudgetAPIKey},
		{"RATE_BUDGET_ANONYMOUS", c.RateBudgetAnonymous},
	} {
		if b.points < 0 || (b.points > 0 && b.points < most) {
			p = append(p, fmt.Errorf("%s: %d must be 0 (no budget) or at least %d, the points of an operation at QUERY_COMPLEXITY_LIMIT %d",
				b.name, b.points, most, c.ComplexityLimit))
		}
	}
	if c.RateBudgetWindow < time.Second {
		p = append(p, fmt.Errorf("RATE_BUDGET_WINDOW: %s is below 1s", c.RateBudgetWindow))
	}
	if c.WSHandshakesPerIP < 0 {
		p = append(p, fmt.Errorf("WS_HANDSHAKES_PER_IP: %d is negative (0 means no limit)", c.WSHandshakesPerIP))
	}
	return p
}
