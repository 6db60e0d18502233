package payment

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries a webhook's signature:
//
//	X-Backbone-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>
//
// Several v1 values may be sent (one per secret while a secret is rotated); one match is
// enough. The timestamp is signed too, so a captured request cannot be replayed later
// than the tolerance; within it, crediting is idempotent on the event id.
const SignatureHeader = "X-Backbone-Signature"

// DefaultTolerance is how far a webhook's timestamp may be from our clock.
const DefaultTolerance = 5 * time.Minute

// Verification errors.
var (
	ErrBadSignatureHeader = errors.New("payment: malformed signature header")
	ErrBadSignature       = errors.New("payment: signature does not match")
	ErrStale              = errors.New("payment: timestamp outside the tolerance")
)

// Sign returns the SignatureHeader value for body sent at t: what a provider (or a test)
// sends.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

// Verify checks a SignatureHeader value against body: a well-formed header, a timestamp
// within tolerance of now (either way), and a v1 signature made with secret.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, sec, sigs, err := parseSignatureHeader(header)
	if err != nil {
		return err
	}
	if err := checkTimestamp(sec, now, tolerance); err != nil {
		return err
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrBadSignature
}

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte("."))
	h.Write(body)
	return h.Sum(nil)
}

// parseSignatureHeader splits a "t=<unix seconds>,v1=<hex>[,v1=...]" header, the format
// Stripe-Signature shares: the timestamp as sent (what is signed) and read, and the v1
// signatures.
func parseSignatureHeader(header string) (ts string, sec int64, sigs [][]byte, err error) {
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "", 0, nil, ErrBadSignatureHeader
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err = strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return "", 0, nil, ErrBadSignatureHeader
	}
	return ts, sec, sigs, nil
}

// checkTimestamp is ErrStale unless sec (unix seconds) is within tolerance of now, either
// way.
func checkTimestamp(sec int64, now time.Time, tolerance time.Duration) error {
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	return nil
}
