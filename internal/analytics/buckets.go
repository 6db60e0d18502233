package analytics

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
)

// Durations are kept as histograms, since medians cannot be summed across days: bucket 0
// holds durations under a second, bucket b >= 1 those in [growth^(b-1), growth^b)
// seconds. A median read from the buckets is the middle of its bucket, within 2.5% of
// the exact one.
const growth = 1.05

// BucketOf returns the histogram bucket of duration d (negative durations count as 0).
func BucketOf(d time.Duration) int {
	s := d.Seconds()
	if s < 1 {
		return 0
	}
	b := int(math.Floor(math.Log(s)/math.Log(growth))) + 1
	// Guard the float rounding at a bucket's edge: s must lie in [lower, upper).
	for b > 1 && s < bucketLower(b) {
		b--
	}
	for s >= bucketLower(b+1) {
		b++
	}
	return b
}

// bucketLower is the smallest duration of bucket b, in seconds.
func bucketLower(b int) float64 {
	if b <= 0 {
		return 0
	}
	return math.Pow(growth, float64(b-1))
}

// BucketMiddle is the value a median in bucket b is reported as, in seconds: the middle
// of the bucket.
func BucketMiddle(b int) float64 {
	return (bucketLower(b) + bucketLower(b+1)) / 2
}

// maxBucket bounds a bucket number read back (1.05^1000 seconds is far beyond any
// duration), so that a damaged row cannot make a huge histogram.
const maxBucket = 1000

// histogram counts durations by bucket.
type histogram struct{ counts []int64 }

// add counts n durations in bucket b.
func (h *histogram) add(b int, n int64) {
	if b >= len(h.counts) {
		h.counts = append(h.counts, make([]int64, b+1-len(h.counts))...)
	}
	h.counts[b] += n
}

// median returns the middle of the bucket holding the lower median (the ((n+1)/2)th
// smallest duration), or nil for an empty histogram.
func (h *histogram) median() *float64 {
	if h == nil {
		return nil
	}
	var n int64
	for _, c := range h.counts {
		n += c
	}
	if n <= 0 {
		return nil
	}
	rank := (n + 1) / 2
	var seen int64
	for b, c := range h.counts {
		seen += c
		if seen >= rank {
			m := BucketMiddle(b)
			return &m
		}
	}
	return nil
}

// encode writes h's non-empty buckets as varint pairs (bucket, count), in bucket order:
// the Counts column of a histogram row.
func (h *histogram) encode() []byte {
	var out []byte
	for b, n := range h.counts {
		if n != 0 {
			out = binary.AppendUvarint(out, uint64(b))
			out = binary.AppendVarint(out, n)
		}
	}
	return out
}

// addEncoded adds the histogram encoded in b to h.
func (h *histogram) addEncoded(b []byte) error {
	for len(b) > 0 {
		bucket, n := binary.Uvarint(b)
		if n <= 0 || bucket > maxBucket {
			return errors.New("analytics: bad histogram bucket")
		}
		b = b[n:]
		count, m := binary.Varint(b)
		if m <= 0 {
			return errors.New("analytics: bad histogram count")
		}
		b = b[m:]
		h.add(int(bucket), count)
	}
	return nil
}
