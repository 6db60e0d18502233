package config_test

import (
	"strings"
	"testing"
	"time"

	"backbone/internal/config"
)

func TestRateBudgetDefaults(t *testing.T) {
	c, err := config.FromEnv(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.RateBudgetUser != 5000 || c.RateBudgetAPIKey != 5000 || c.RateBudgetAnonymous != 1000 ||
		c.RateBudgetWindow != time.Hour || c.WSHandshakesPerIP != 60 {
		t.Errorf("defaults: user %d, key %d, anonymous %d, window %s, handshakes %d",
			c.RateBudgetUser, c.RateBudgetAPIKey, c.RateBudgetAnonymous, c.RateBudgetWindow, c.WSHandshakesPerIP)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestRateBudgetsAreValidated(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"RATE_BUDGET_USER":      {"RATE_BUDGET_USER": "-1"},
		"RATE_BUDGET_API_KEY":   {"RATE_BUDGET_API_KEY": "49"}, // the default limit's heaviest operation costs 50
		"RATE_BUDGET_ANONYMOUS": {"RATE_BUDGET_ANONYMOUS": "80", "QUERY_COMPLEXITY_LIMIT": "9000"},
		"RATE_BUDGET_WINDOW":    {"RATE_BUDGET_WINDOW": "500ms"},
		"WS_HANDSHAKES_PER_IP":  {"WS_HANDSHAKES_PER_IP": "-2"},
	} {
		c, err := config.FromEnv(envOf(env))
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: error %v, want one naming %s", env, err, name)
		}
	}
	off := map[string]string{"RATE_BUDGET_USER": "0", "RATE_BUDGET_API_KEY": "50", "RATE_BUDGET_ANONYMOUS": "0", "WS_HANDSHAKES_PER_IP": "0"}
	if c, _ := config.FromEnv(envOf(off)); c.Validate() != nil {
		t.Errorf("%v: %v, want valid (0 turns a budget off)", off, c.Validate())
	}
}
