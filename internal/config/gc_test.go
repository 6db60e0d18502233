package config

import "testing"

// TestGCPercentReadsGOGCAsMeant: the server applies the target itself, since the Go
// runtime takes OFF or " 200" for its default (100).
func TestGCPercentReadsGOGCAsMeant(t *testing.T) {
	for _, c := range []struct {
		gogc string
		want int
		ok   bool
	}{
		{"", DefaultGCPercent, true},
		{"  ", DefaultGCPercent, true},
		{"100", 100, true},
		{" 200 ", 200, true},
		{"off", -1, true},
		{"OFF", -1, true},
		{"4OO", 0, false},
	} {
		got, err := GCPercent(func(k string) string {
			if k == "GOGC" {
				return c.gogc
			}
			return ""
		})
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("GOGC=%q: got (%d, %v), want (%d, ok=%v)", c.gogc, got, err, c.want, c.ok)
		}
	}
}
