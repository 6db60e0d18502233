package config

import "testing"

func TestGCPercentDefaultsOnlyWhenGOGCIsUnset(t *testing.T) {
	for _, c := range []struct {
		gogc    string
		want    int
		set, ok bool
	}{
		{"", DefaultGCPercent, true, true},
		{"  ", DefaultGCPercent, true, true},
		{"100", 0, false, true},
		{"off", 0, false, true},
		{"OFF", 0, false, true},
		{"4OO", 0, false, false},
	} {
		got, set, err := GCPercent(func(k string) string {
			if k == "GOGC" {
				return c.gogc
			}
			return ""
		})
		if (err == nil) != c.ok || set != c.set || got != c.want {
			t.Errorf("GOGC=%q: got (%d, %v, %v), want (%d, %v, ok=%v)", c.gogc, got, set, err, c.want, c.set, c.ok)
		}
	}
}
