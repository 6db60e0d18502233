package auth

import "time"

// SetClock makes s and r read the time from now, for tests that move time on.
func SetClock(s *Service, r *Revocations, now func() time.Time) {
	s.tokens.Now = now
	s.now = func() time.Time { return now().UTC().Truncate(time.Microsecond) }
	r.now = now
}

// ForgetExpired runs the clean-up Run does after each poll.
func (r *Revocations) ForgetExpired() { r.forgetExpired() }
