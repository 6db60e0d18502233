package memo

import (
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// local is this process's copies: a bounded LRU of encoded values whose entries expire
// lazily (an expired entry is a miss, removed when read). An entry also keeps the value
// View decoded from it, so that readers of a hot key do not decode it on every call.
type local struct {
	lru *lru.Cache[string, *localEntry]
}

// localEntry is one value kept in process. val is never modified once stored.
type localEntry struct {
	val     []byte
	expires time.Time // zero: none
	viewed  atomic.Pointer[viewed]
}

// viewed is the value View decoded from an entry, shared by its callers.
type viewed struct{ v any }

func newLocal(size int) *local {
	l, err := lru.New[string, *localEntry](size)
	if err != nil {
		panic(err) // only for a size < 1, excluded by New
	}
	return &local{lru: l}
}

// get returns key's live entry.
func (l *local) get(key string) (*localEntry, bool) {
	e, ok := l.lru.Get(key)
	if !ok {
		return nil, false
	}
	if !e.expires.IsZero() && !time.Now().Before(e.expires) {
		l.lru.Remove(key)
		return nil, false
	}
	return e, true
}

// set keeps val (which the caller no longer modifies) under key until expires.
func (l *local) set(key string, val []byte, expires time.Time) *localEntry {
	e := &localEntry{val: val, expires: expires}
	l.lru.Add(key, e)
	return e
}
