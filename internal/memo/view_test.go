package memo_test

import (
	"context"
	"testing"
	"time"

	"backbone/internal/memo"
)

// TestViewSharesOneDecodedValue: View hands every reader of a key in this process the
// same decoded value, Get a copy of its own, and an invalidation a fresh load.
func TestViewSharesOneDecodedValue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := memo.New(memo.Config{Name: "view"})
	t.Cleanup(func() { m.Close() })
	loads := 0
	load := func(context.Context) ([]int, error) {
		loads++
		return []int{loads, 2, 3}, nil
	}
	view := func() []int {
		t.Helper()
		v, err := memo.View(ctx, m, "k", time.Hour, load, "tag")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	first, second := view(), view()
	if loads != 1 || first[0] != 1 || second[0] != 1 {
		t.Fatalf("after two views: %d loads, values %v and %v; want one load of [1 2 3]", loads, first, second)
	}
	third := view()
	if &second[0] != &third[0] {
		t.Error("two views of a key kept in process decoded it twice; want one shared value")
	}
	copied, err := memo.Get(ctx, m, "k", time.Hour, load, "tag")
	if err != nil {
		t.Fatal(err)
	}
	if &copied[0] == &third[0] || copied[0] != 1 {
		t.Errorf("Get returned %v sharing View's value; want a copy of its own", copied)
	}
	if err := m.Invalidate(ctx, "tag"); err != nil {
		t.Fatal(err)
	}
	if v := view(); loads != 2 || v[0] != 2 {
		t.Errorf("after Invalidate: %d loads, value %v; want a second load", loads, v)
	}
}

// TestViewSharesTheLoadersValue: the value a load made in this process is the one View
// hands out, to the caller that loaded it and to later readers, not a copy decoded again
// from its encoding; Get still hands out copies.
func TestViewSharesTheLoadersValue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := memo.New(memo.Config{Name: "view-loaded"})
	t.Cleanup(func() { m.Close() })
	var made []int
	load := func(context.Context) ([]int, error) {
		made = []int{1, 2, 3}
		return made, nil
	}
	for i := range 2 {
		v, err := memo.View(ctx, m, "k", time.Hour, load, "tag")
		if err != nil {
			t.Fatal(err)
		}
		if len(v) != 3 || &v[0] != &made[0] {
			t.Fatalf("view %d: %v is not the loader's value %v", i, v, made)
		}
	}
	copied, err := memo.Get(ctx, m, "k", time.Hour, load, "tag")
	if err != nil || len(copied) != 3 || &copied[0] == &made[0] {
		t.Fatalf("Get: %v %v; want a copy of its own", copied, err)
	}
}
