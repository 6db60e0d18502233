package memo

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// Where a Get found its value: the "tier" label of memo_hits_total.
const (
	TierLocal  = "local"  // this process's copy
	TierShared = "shared" // the shared store (Redis), loaded by another instance or earlier
	TierFlight = "flight" // waited for a load another caller had started
)

// Get returns the value of key in m: this process's copy, the shared one, or load's
// result, which it keeps for ttl (ttl <= 0: until invalidated or evicted). Callers
// missing the same key at the same time share one load, run with the first caller's
// context values but without its cancellation (bounded by the Memo's LoadTimeout); a
// caller whose ctx ends stops waiting with ctx's error. The value is encoded as JSON,
// so T must round-trip through encoding/json (exported fields), and every caller gets
// its own copy. tags name what the value depends on, for Invalidate; a key must always
// come with the same tags. load's error, or a value that does not encode, is returned
// as an error and not cached.
func Get[T any](ctx context.Context, m *Memo, key string, ttl time.Duration, load func(context.Context) (T, error), tags ...string) (T, error) {
	return get(ctx, m, key, ttl, load, tags, false)
}

// View is Get for values their callers only read: in this process, every caller of a
// key gets the same value, decoded once when the key is first read here rather than at
// every call; when this process loaded it, the loader's value itself is the shared one
// (so the loader must not keep modifying it). The value must not be modified (its
// slices, maps and pointers are shared). For large values read often, such as a year of
// analytics.
func View[T any](ctx context.Context, m *Memo, key string, ttl time.Duration, load func(context.Context) (T, error), tags ...string) (T, error) {
	return get(ctx, m, key, ttl, load, tags, true)
}

// get is Get, or View when shared.
func get[T any](ctx context.Context, m *Memo, key string, ttl time.Duration, load func(context.Context) (T, error), tags []string, shared bool) (T, error) {
	var zero T
	lkey := m.localKey(key, tags)
	if e, ok := m.getLocal(ctx, lkey); ok {
		if v, err := localValue[T](e, shared); err == nil {
			m.hit(TierLocal)
			return v, nil
		}
	}
	var led atomic.Bool // whether this caller's flight ran, or it joined another's
	ch := m.flights.DoChan(lkey, func() (any, error) {
		led.Store(true)
		var loaded T // the loader's value, when it ran
		f, err := m.fill(ctx, lkey, key, ttl, tags, func(ctx context.Context) (_ []byte, err error) {
			// The load runs on singleflight's goroutine, where a panic would end the
			// process: it becomes the callers' error instead.
			defer func() {
				if p := recover(); p != nil {
					m.log.ErrorContext(ctx, "loader panicked", "key", key, "panic", p, "stack", string(debug.Stack()))
					err = fmt.Errorf("memo: loader of %q panicked: %v", key, p)
				}
			}()
			v, err := load(ctx)
			if err != nil {
				return nil, err
			}
			loaded = v
			return encode(v)
		})
		if err == nil && shared && f.tier == "" && f.entry != nil {
			// View: the loader's value is the one every reader here shares, rather
			// than one decoded again from its encoding.
			f.entry.viewed.Store(&viewed{loaded})
		}
		return f, err
	})
	select {
	case <-ctx.Done():
		return zero, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return zero, r.Err
		}
		f := r.Val.(filled)
		if led.Load() {
			m.count(f.tier)
		} else {
			m.hit(TierFlight)
		}
		if shared && f.entry != nil {
			return localValue[T](f.entry, true)
		}
		return decode[T](f.val)
	}
}

// localValue is e's value: decoded for this caller, or, when shared, the one decoded for
// every caller (decoded now if no caller has yet; two that race both decode, harmlessly).
func localValue[T any](e *localEntry, shared bool) (T, error) {
	if !shared {
		return decode[T](e.val)
	}
	if p := e.viewed.Load(); p != nil {
		if v, ok := p.v.(T); ok {
			return v, nil
		}
	}
	v, err := decode[T](e.val)
	if err == nil {
		e.viewed.Store(&viewed{v})
	}
	return v, err
}

// filled is the outcome of one flight: the encoded value, where it came from (a tier,
// or "" for the loader) and its entry in process (nil when it was not kept there).
type filled struct {
	val   []byte
	tier  string
	entry *localEntry
}

// encode is v as JSON. A json.RawMessage is JSON already and is kept as it is, unchecked
// (json.Marshal would check and compact it: for a rendered answer of 130 KB, most of
// the cost of keeping it); its bytes must not be modified afterwards.
func encode[T any](v T) ([]byte, error) {
	if raw, ok := any(v).(json.RawMessage); ok && len(raw) > 0 {
		return raw, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("memo: encode %T: %w", v, err)
	}
	return b, nil
}

// fill finds key for a flight: in process (stored by a flight that just ended), in the
// shared store, or from load, and keeps what it found.
func (m *Memo) fill(ctx context.Context, lkey, key string, ttl time.Duration, tags []string, load func(context.Context) ([]byte, error)) (filled, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.loadTimeout)
	defer cancel()
	if e, ok := m.getLocal(ctx, lkey); ok {
		return filled{val: e.val, tier: TierLocal, entry: e}, nil
	}
	var skey string
	if m.shared != nil {
		var err error
		if skey, err = m.sharedKey(ctx, key, tags); err != nil {
			m.log.WarnContext(ctx, "shared cache unavailable; loading", "key", key, "err", err)
		} else if env, ok, err := m.shared.Get(ctx, skey); err != nil {
			m.log.WarnContext(ctx, "shared cache unavailable; loading", "key", key, "err", err)
		} else if b, expires, ok2 := unwrap(env); ok && ok2 {
			return filled{val: b, tier: TierShared, entry: m.setLocal(lkey, b, expires)}, nil
		}
	}
	b, err := load(ctx)
	if err != nil {
		return filled{}, err
	}
	var expires time.Time
	if ttl > 0 {
		expires = time.Now().Add(ttl)
	}
	if skey != "" {
		if err := m.shared.Set(ctx, skey, wrap(b, expires), ttl); err != nil {
			m.log.WarnContext(ctx, "shared cache unavailable; value kept in process only", "key", key, "err", err)
		}
	}
	return filled{val: b, entry: m.setLocal(lkey, b, expires)}, nil
}

// getLocal reads this process's copy; none for a caller whose ctx has ended.
func (m *Memo) getLocal(ctx context.Context, lkey string) (*localEntry, bool) {
	if ctx.Err() != nil {
		return nil, false
	}
	return m.local.get(lkey)
}

// setLocal keeps b in process until expires (zero: no expiry) and returns its entry; an
// expired one is not kept (nil). b is not modified afterwards: callers only decode it.
func (m *Memo) setLocal(lkey string, b []byte, expires time.Time) *localEntry {
	if !expires.IsZero() && !time.Now().Before(expires) {
		return nil
	}
	return m.local.set(lkey, b, expires)
}

// wrap prefixes b with its expiry (Unix nanoseconds, 0 for none), so that an instance
// copying a shared value keeps it no longer than the instance that loaded it.
func wrap(b []byte, expires time.Time) []byte {
	var at int64
	if !expires.IsZero() {
		at = expires.UnixNano()
	}
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(b)), uint64(at)), b...)
}

// unwrap splits what wrap made; ok is false for anything else.
func unwrap(env []byte) (b []byte, expires time.Time, ok bool) {
	if len(env) < 8 {
		return nil, time.Time{}, false
	}
	if at := int64(binary.BigEndian.Uint64(env)); at != 0 {
		expires = time.Unix(0, at)
	}
	return env[8:], expires, true
}

func decode[T any](b []byte) (T, error) {
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("memo: decode %T: %w", v, err)
	}
	return v, nil
}
