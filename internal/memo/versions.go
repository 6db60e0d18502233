package memo

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// versions are the in-process versions of tags. A version is never reused: a tag seen
// for the first time, or forgotten by the LRU, takes a fresh number, so that entries
// stored under an older one stay unreachable. The epoch is part of every local key:
// bumping it drops every in-process entry at once.
type versions struct {
	next  atomic.Uint64
	epoch atomic.Uint64
	tags  *lru.Cache[string, uint64]
}

func newVersions(size int) *versions {
	l, err := lru.New[string, uint64](size)
	if err != nil {
		panic(err) // only for a size < 1, excluded by New
	}
	return &versions{tags: l}
}

// of returns tag's version, giving it a fresh one if it has none.
func (v *versions) of(tag string) uint64 {
	if n, ok := v.tags.Get(tag); ok {
		return n
	}
	n := v.next.Add(1)
	if prev, ok, _ := v.tags.PeekOrAdd(tag, n); ok {
		return prev // another caller gave it one first
	}
	return n
}

// bump gives each tag a fresh version.
func (v *versions) bump(tags []string) {
	for _, t := range tags {
		v.tags.Add(t, v.next.Add(1))
	}
}

// bumpAll drops every entry: after a gap in the invalidations heard.
func (v *versions) bumpAll() { v.epoch.Add(1) }

// localKey is where key lives in process under the current versions of its tags.
func (m *Memo) localKey(key string, tags []string) string {
	var b strings.Builder
	b.WriteString(key)
	b.WriteString("|")
	b.WriteString(strconv.FormatUint(m.versions.epoch.Load(), 10))
	for _, t := range tags {
		b.WriteString(".")
		b.WriteString(strconv.FormatUint(m.versions.of(t), 10))
	}
	return b.String()
}

// sharedKey is where key lives in the shared store under the current versions of its
// tags there, giving a tag without one (new, or expired) a fresh token.
func (m *Memo) sharedKey(ctx context.Context, key string, tags []string) (string, error) {
	var b strings.Builder
	b.WriteString("memo:" + m.name + ":val:" + key + "|")
	for i, t := range tags {
		v, ok, err := m.shared.Get(ctx, m.tagKey(t))
		if err != nil {
			return "", err
		}
		if !ok {
			v = []byte(token())
			if err := m.shared.Set(ctx, m.tagKey(t), v, tagTTL); err != nil {
				return "", err
			}
		}
		if i > 0 {
			b.WriteString(".")
		}
		b.Write(v)
	}
	return b.String(), nil
}

// rotateShared gives each tag a fresh token in the shared store.
func (m *Memo) rotateShared(ctx context.Context, tags []string) error {
	if m.shared == nil {
		return nil
	}
	for _, t := range tags {
		if err := m.shared.Set(ctx, m.tagKey(t), []byte(token()), tagTTL); err != nil {
			return err
		}
	}
	return nil
}

// tagTTL is how long a shared tag version lives; one that expires takes a fresh token,
// which only costs a miss.
const tagTTL = 24 * time.Hour

func (m *Memo) tagKey(tag string) string { return "memo:" + m.name + ":tag:" + tag }
