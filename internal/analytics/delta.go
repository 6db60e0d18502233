package analytics

import (
	"time"

	"github.com/google/uuid"
)

// Duration kinds of the histograms.
const (
	kindClaim   = "CLAIM"
	kindDeliver = "DELIVER"
)

// Figures are one day's counts and credits, of a subject or of all.
type Figures struct {
	Submitted, Accepted, Cancelled, Declined, Expired, Disputed, Breaches int64
	Captured, Fees, Refunded, Payouts                                     int64
}

// add adds o to f.
func (f *Figures) add(o Figures) {
	f.Submitted += o.Submitted
	f.Accepted += o.Accepted
	f.Cancelled += o.Cancelled
	f.Declined += o.Declined
	f.Expired += o.Expired
	f.Disputed += o.Disputed
	f.Breaches += o.Breaches
	f.Captured += o.Captured
	f.Fees += o.Fees
	f.Refunded += o.Refunded
	f.Payouts += o.Payouts
}

// zero reports whether every figure is 0.
func (f Figures) zero() bool { return f == Figures{} }

// ExpertFigures are one expert's counts of one day.
type ExpertFigures struct {
	Delivered, OnTime, Accepted, Ratings, Stars int64
}

type dayKey struct {
	subject string
	day     time.Time
}

type durationKey struct {
	subject string
	kind    string
	day     time.Time
	bucket  int
}

type expertKey struct {
	expert uuid.UUID
	day    time.Time
}

// delta is a change of the rollups, by subject ("" for figures of no subject, such as
// payouts) and day. Every subject's figures also go to the all-subjects rows when the
// delta is written (see totals).
type delta struct {
	days      map[dayKey]*Figures
	durations map[durationKey]int64
	experts   map[expertKey]*ExpertFigures
}

func newDelta() *delta {
	return &delta{days: map[dayKey]*Figures{}, durations: map[durationKey]int64{}, experts: map[expertKey]*ExpertFigures{}}
}

// day returns the figures of subject on t's day.
func (d *delta) day(subject string, t time.Time) *Figures {
	return entry(d.days, dayKey{subject, dayOf(t)})
}

// duration counts sign durations of kind, ending at t, of subject.
func (d *delta) duration(subject, kind string, t time.Time, dur time.Duration, sign int64) {
	d.durations[durationKey{subject, kind, dayOf(t), BucketOf(dur)}] += sign
}

// expert returns the figures of expert on t's day.
func (d *delta) expert(id uuid.UUID, t time.Time) *ExpertFigures {
	return entry(d.experts, expertKey{id, dayOf(t)})
}

// entry returns m's value at k, adding a zero one when there is none.
func entry[K comparable, V any](m map[K]*V, k K) *V {
	v := m[k]
	if v == nil {
		v = new(V)
		m[k] = v
	}
	return v
}

// totals adds every subject's figures to the all-subjects rows (subject ""), and drops
// the entries that cancel out.
func (d *delta) totals() {
	for k, f := range d.days {
		if k.subject != "" {
			d.day("", k.day).add(*f)
		}
	}
	for k, n := range d.durations {
		if k.subject != "" {
			d.durations[durationKey{"", k.kind, k.day, k.bucket}] += n
		}
	}
	for k, f := range d.days {
		if f.zero() {
			delete(d.days, k)
		}
	}
	for k, n := range d.durations {
		if n == 0 {
			delete(d.durations, k)
		}
	}
	for k, e := range d.experts {
		if *e == (ExpertFigures{}) {
			delete(d.experts, k)
		}
	}
}

// histogramKey names one histogram row.
type histogramKey struct {
	subject string
	kind    string
	day     time.Time
}

// histograms groups the duration counts by row.
func (d *delta) histograms() map[histogramKey]*histogram {
	out := map[histogramKey]*histogram{}
	for k, n := range d.durations {
		entry(out, histogramKey{k.subject, k.kind, k.day}).add(k.bucket, n)
	}
	return out
}

// monthOf is the first day of t's month (UTC).
func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// months sums the experts' days by month.
func (d *delta) months() map[expertKey]*ExpertFigures {
	out := map[expertKey]*ExpertFigures{}
	for k, e := range d.experts {
		entry(out, expertKey{k.expert, monthOf(k.day)}).add(*e)
	}
	return out
}

// add adds o to e.
func (e *ExpertFigures) add(o ExpertFigures) {
	e.Delivered += o.Delivered
	e.OnTime += o.OnTime
	e.Accepted += o.Accepted
	e.Ratings += o.Ratings
	e.Stars += o.Stars
}
