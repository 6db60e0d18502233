package config_test

import (
	"strings"
	"testing"

	"backbone/internal/config"
)

func TestConnectionCeilingLeavesRoomUnderTheFileLimit(t *testing.T) {
	for _, tt := range []struct {
		configured int
		files      uint64
		want       int
	}{
		{0, 20000, 16000},     // a fifth left over
		{0, 1024, 768},        // at least 256
		{0, 300, 150},         // half of a small limit
		{0, 0, 838861},        // unknown: as if 1<<20
		{0, 1 << 62, 838861},  // unlimited
		{100, 20000, 100},     // WS_MAX_CONNECTIONS lowers it
		{50000, 20000, 16000}, // never past the file limit's share
	} {
		c := config.Config{WSMaxConns: tt.configured}
		if got := c.ConnectionCeiling(tt.files); got != tt.want {
			t.Errorf("WS_MAX_CONNECTIONS=%d, open-file limit %d: ceiling %d, want %d", tt.configured, tt.files, got, tt.want)
		}
	}
}

func TestConnectionAndOperatorSettings(t *testing.T) {
	c, err := config.FromEnv(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.WSMaxConns != 0 || c.WSMaxConnsPerIP != 200 || c.WSMaxAnonymousPerIP != 20 || c.MetricsAddr != "" || c.MetricsToken != "" {
		t.Errorf("defaults: %+v", c)
	}
	for name, env := range map[string]map[string]string{
		"WS_MAX_CONNECTIONS_PER_IP": {"WS_MAX_CONNECTIONS_PER_IP": "-1"},
		"METRICS_ADDR":              {"METRICS_ADDR": "9090"},
		"METRICS_TOKEN":             {"METRICS_TOKEN": "short"},
	} {
		c, err := config.FromEnv(envOf(env))
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: error %v, want one naming %s", env, err, name)
		}
	}
	// Only the API listens on ADDR: a worker may have METRICS_ADDR there.
	same := map[string]string{"ADDR": ":8080", "METRICS_ADDR": ":8080"}
	c, _ = config.FromEnv(envOf(same))
	if err := c.Validate(); err != nil {
		t.Errorf("METRICS_ADDR equal to ADDR refused for every process: %v", err)
	}
	if err := c.ValidateAPI(); err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") {
		t.Errorf("METRICS_ADDR equal to ADDR: API error %v, want one naming METRICS_ADDR", err)
	}
}
