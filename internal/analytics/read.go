package analytics

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"backbone/ent/analyticsduration"
)

// The series' reads are plain SQL scanned straight into the figures: through ent's
// generic scan every column of every row is a value of its own (a year of days and its
// durations was ~17,000 allocations, most of a cold request's).

// readDays calls each for every daily row of subject key (lower case; "": every
// subject) in sp.
func (s *Service) readDays(ctx context.Context, sp span, key string, each func(time.Time, Figures)) error {
	rows, err := s.db.Client.QueryContext(ctx, `SELECT day, submitted, accepted, cancelled, declined, expired,
	disputed, breaches, captured, fees, refunded, payouts FROM analytics_days
	WHERE LOWER(subject) = `+s.db.Placeholder(1)+` AND day >= `+s.db.Placeholder(2)+` AND day < `+s.db.Placeholder(3), key, sp.from, sp.to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var day time.Time
		var f Figures
		if err := rows.Scan(&day, &f.Submitted, &f.Accepted, &f.Cancelled, &f.Declined, &f.Expired,
			&f.Disputed, &f.Breaches, &f.Captured, &f.Fees, &f.Refunded, &f.Payouts); err != nil {
			return err
		}
		each(day, f)
	}
	return rows.Err()
}

// medians sets the points' medians from the duration histograms of subject key in sp.
// The rows come by kind, then day, so a point's rows of one kind are consecutive: they
// are summed in one histogram, reused from point to point (a histogram per point and
// kind would be most of a year's allocations).
func (s *Service) medians(ctx context.Context, sp span, key string, points []Point, index map[time.Time]int) error {
	var h histogram
	cur, curDeliver := -1, false
	flush := func() {
		if cur < 0 {
			return
		}
		if m := h.median(); curDeliver {
			points[cur].MedianToDeliver = m
		} else {
			points[cur].MedianToClaim = m
		}
		h.counts = h.counts[:0]
	}
	err := s.readDurations(ctx, sp, key, func(day time.Time, deliver bool, counts []byte) error {
		i := index[dayOf(day)]
		if i != cur || deliver != curDeliver {
			if deliver == curDeliver && i < cur {
				return errors.New("analytics: duration rows out of order")
			}
			flush()
			cur, curDeliver = i, deliver
		}
		return h.addEncoded(counts)
	})
	if err != nil {
		return err
	}
	flush()
	return nil
}

// readDurations calls each for every duration histogram of subject key (lower case) in
// sp, by kind and day: deliver tells a delivery's from a claim's. counts is only valid
// during the call.
func (s *Service) readDurations(ctx context.Context, sp span, key string, each func(day time.Time, deliver bool, counts []byte) error) error {
	rows, err := s.db.Client.QueryContext(ctx, `SELECT day, kind = `+s.db.Placeholder(1)+`, counts FROM analytics_durations
	WHERE LOWER(subject) = `+s.db.Placeholder(2)+` AND day >= `+s.db.Placeholder(3)+` AND day < `+s.db.Placeholder(4)+` ORDER BY kind, day`,
		string(analyticsduration.KindDELIVER), key, sp.from, sp.to)
	if err != nil {
		return err
	}
	defer rows.Close()
	var counts sql.RawBytes // the driver's bytes, not a copy: addEncoded only reads them
	for rows.Next() {
		var day time.Time
		var deliver bool
		if err := rows.Scan(&day, &deliver, &counts); err != nil {
			return err
		}
		if err := each(day, deliver, counts); err != nil {
			return err
		}
	}
	return rows.Err()
}
