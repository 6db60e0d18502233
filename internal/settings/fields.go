package settings

import (
	"encoding/json"
	"time"
)

// spec is how one setting is stored: under key (also the field named in a
// BAD_USER_INPUT error) as the JSON of encode's result.
type spec struct {
	key    string
	encode func(Settings) any
	decode func(*Settings, json.RawMessage) error
}

// specs lists every stored setting. Keys are append-only: a stored row whose key is no
// longer listed is ignored.
var specs = []spec{
	valueSpec("subjects", func(s *Settings) *[]string { return &s.Subjects }),
	valueSpec("prices", func(s *Settings) *Prices { return &s.Prices }),
	valueSpec("platformFeeBps", func(s *Settings) *int { return &s.PlatformFeeBPS }),
	secondsSpec("leaseSeconds", func(s *Settings) *time.Duration { return &s.Lease }),
	valueSpec("maxActiveClaims", func(s *Settings) *int { return &s.MaxActiveClaims }),
	valueSpec("revisionLimit", func(s *Settings) *int { return &s.RevisionLimit }),
	secondsSpec("autoAcceptSeconds", func(s *Settings) *time.Duration { return &s.AutoAcceptDelay }),
	valueSpec("aiPipelineEnabled", func(s *Settings) *bool { return &s.AIPipelineEnabled }),
	valueSpec("originalityThreshold", func(s *Settings) *float64 { return &s.OriginalityThreshold }),
	valueSpec("aiDailyTokenBudget", func(s *Settings) *int64 { return &s.AIDailyTokenBudget }),
	valueSpec("creditPacks", func(s *Settings) *[]CreditPack { return &s.CreditPacks }),
	secondsSpec("leaseWarningSeconds", func(s *Settings) *time.Duration { return &s.LeaseWarning }),
	valueSpec("questionsPerHour", func(s *Settings) *int { return &s.QuestionsPerHour }),
}

// coupled are keys stored together whenever one of them changes: prices must cover
// exactly the subjects, so neither may fall back to a default the other no longer fits.
var coupled = []string{"subjects", "prices"}

// valueSpec stores a field as its own JSON.
func valueSpec[T any](key string, field func(*Settings) *T) spec {
	return spec{
		key:    key,
		encode: func(s Settings) any { return *field(&s) },
		decode: func(s *Settings, raw json.RawMessage) error {
			var v T
			if err := json.Unmarshal(raw, &v); err != nil {
				return err
			}
			*field(s) = v
			return nil
		},
	}
}

// secondsSpec stores a duration as whole seconds, readable in the audit log.
func secondsSpec(key string, field func(*Settings) *time.Duration) spec {
	return spec{
		key:    key,
		encode: func(s Settings) any { return int64(field(&s).Seconds()) },
		decode: func(s *Settings, raw json.RawMessage) error {
			var n int64
			if err := json.Unmarshal(raw, &n); err != nil {
				return err
			}
			*field(s) = time.Duration(n) * time.Second
			return nil
		},
	}
}

// encoded returns every setting's stored form, by key.
func encoded(s Settings) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(specs))
	for _, sp := range specs {
		b, err := json.Marshal(sp.encode(s))
		if err != nil {
			return nil, err
		}
		out[sp.key] = b
	}
	return out, nil
}
