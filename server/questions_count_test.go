package main

import (
	"maps"
	"slices"
	"testing"

	"backbone/internal/testenv"
)

// TestQuestionPagesCountOnlyForTotalCount pages the admins' question list with pageInfo
// and edges but no totalCount, both ways: hasNextPage and hasPreviousPage come from the
// page's own limit+1 read, so no page runs a SELECT COUNT over the filtered table, with
// edges or without, of any size; only a page that asks for totalCount counts.
func TestQuestionPagesCountOnlyForTotalCount(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w, counter := newCountingWorld(t)
	client, admin := w.callers[azClient], w.callers[azAdmin]
	w.liftQuestionLimit(t)
	for range 5 {
		w.qfSubmit(t, client)
	}
	// page runs one questions query for the admin, returning the page and how many
	// statements, and of them SELECT COUNTs, it ran.
	page := func(sel string, vars map[string]any) (p qfPage, all, counts int64) {
		t.Helper()
		var out struct{ Questions qfPage }
		vars["c"] = map[string]any{"clientId": client.ID}
		all = counter.statements(admin.UUID, func() {
			w.mustGQL(t, admin.Token, `query($f: Int, $a: Cursor, $l: Int, $b: Cursor, $c: QuestionsFilter) {
				questions(first: $f, after: $a, last: $l, before: $b, filter: $c) { `+sel+` } }`, vars, &out)
		})
		return out.Questions, all, counter.counts.Load()
	}
	const noTotal = `pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { id } }`
	ids := func(p qfPage) []string {
		out := make([]string, len(p.Edges))
		for i, e := range p.Edges {
			out[i] = e.Node.ID
		}
		return out
	}

	// Forwards, 2 at a time: 2, 2, 1.
	var forward []string
	vars := map[string]any{"f": 2}
	for i, n := range []int{2, 2, 1} {
		p, all, counts := page(noTotal, vars)
		t.Logf("forward page %d: %d statements, %d counts", i, all, counts)
		if counts != 0 {
			t.Fatalf("forward page %d ran %d SELECT COUNT without totalCount", i, counts)
		}
		if len(p.Edges) != n || p.PageInfo.HasNextPage != (i < 2) || p.PageInfo.HasPreviousPage != (i > 0) {
			t.Fatalf("forward page %d: %d edges, %+v", i, len(p.Edges), p.PageInfo)
		}
		if *p.PageInfo.StartCursor == "" || *p.PageInfo.EndCursor == "" {
			t.Fatalf("forward page %d has no cursors: %+v", i, p.PageInfo)
		}
		forward = append(forward, ids(p)...)
		vars = map[string]any{"f": 2, "a": *p.PageInfo.EndCursor}
	}
	afterLast := vars["a"] // the last question's cursor
	if distinct := slices.Compact(slices.Sorted(slices.Values(forward))); len(distinct) != 5 {
		t.Fatalf("forwards read %v, want 5 distinct questions", forward)
	}

	// Backwards, 2 at a time from the end: the same questions, the last page first.
	var backward [][]string
	vars = map[string]any{"l": 2}
	for i, n := range []int{2, 2, 1} {
		p, _, counts := page(noTotal, vars)
		if counts != 0 {
			t.Fatalf("backward page %d ran %d SELECT COUNT without totalCount", i, counts)
		}
		if len(p.Edges) != n || p.PageInfo.HasPreviousPage != (i < 2) || p.PageInfo.HasNextPage != (i > 0) {
			t.Fatalf("backward page %d: %d edges, %+v", i, len(p.Edges), p.PageInfo)
		}
		backward = append([][]string{ids(p)}, backward...)
		vars = map[string]any{"l": 2, "b": *p.PageInfo.StartCursor}
	}
	beforeFirst := vars["b"] // the first question's cursor
	if got := slices.Concat(backward...); !slices.Equal(got, forward) {
		t.Fatalf("backwards read %v, forwards %v", got, forward)
	}

	// totalCount is the count of the whole filtered list, so asking for it counts.
	p, _, counts := page(`totalCount `+noTotal, map[string]any{"f": 2})
	if counts != 1 || p.TotalCount != 5 || len(p.Edges) != 2 || !p.PageInfo.HasNextPage {
		t.Fatalf("with totalCount: %d SELECT COUNT, total %d, %d edges, %+v", counts, p.TotalCount, len(p.Edges), p.PageInfo)
	}
	// pageInfo without edges reads the page as with edges, cursors included, and counts
	// nothing: the same pageInfo as the page with edges, at every step both ways, and
	// hasNextPage false on a page that holds the last question (a count said true).
	const pageInfoOnly = `pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`
	for _, steps := range []struct{ size, cursor string }{{"f", "a"}, {"l", "b"}} {
		vars = map[string]any{steps.size: 2}
		for i := range 4 {
			want, _, _ := page(noTotal, maps.Clone(vars))
			got, _, counts := page(pageInfoOnly, maps.Clone(vars))
			if counts != 0 || got.PageInfo.HasNextPage != want.PageInfo.HasNextPage ||
				got.PageInfo.HasPreviousPage != want.PageInfo.HasPreviousPage ||
				!equalCursor(got.PageInfo.StartCursor, want.PageInfo.StartCursor) ||
				!equalCursor(got.PageInfo.EndCursor, want.PageInfo.EndCursor) {
				t.Fatalf("pageInfo alone, %s page %d (%v): %d SELECT COUNT, %+v, want %+v", steps.size, i, vars, counts, got.PageInfo, want.PageInfo)
			}
			if len(want.Edges) == 0 {
				if i != 3 {
					t.Fatalf("%s page %d is empty", steps.size, i)
				}
				break
			}
			vars = map[string]any{steps.size: 2, steps.cursor: *want.PageInfo.EndCursor}
			if steps.size == "l" {
				vars[steps.cursor] = *want.PageInfo.StartCursor
			}
		}
	}
	p, _, counts = page(pageInfoOnly, map[string]any{"f": 5})
	if counts != 0 || p.PageInfo.HasNextPage || p.PageInfo.HasPreviousPage || p.PageInfo.EndCursor == nil {
		t.Fatalf("pageInfo alone, first 5 of 5: %d SELECT COUNT, %+v", counts, p.PageInfo)
	}
	// With totalCount it counts as well, for totalCount only.
	p, _, counts = page(`totalCount `+pageInfoOnly, map[string]any{"f": 5})
	if counts != 1 || p.TotalCount != 5 || p.PageInfo.HasNextPage {
		t.Fatalf("totalCount and pageInfo, first 5 of 5: %d SELECT COUNT, total %d, %+v", counts, p.TotalCount, p.PageInfo)
	}
	// A page of 0 reads one row past its cursor for pageInfo, edges or not, and counts
	// nothing: a count said hasNextPage after the last question too.
	for _, c := range []struct {
		vars             map[string]any
		hasNext, hasPrev bool
	}{
		{map[string]any{"f": 0}, true, false},
		{map[string]any{"f": 0, "a": afterLast}, false, true},
		{map[string]any{"l": 0}, false, true},
		{map[string]any{"l": 0, "b": beforeFirst}, true, false},
	} {
		for _, sel := range []string{noTotal, pageInfoOnly} {
			p, _, counts = page(sel, maps.Clone(c.vars))
			if counts != 0 || len(p.Edges) != 0 || p.PageInfo.HasNextPage != c.hasNext || p.PageInfo.HasPreviousPage != c.hasPrev {
				t.Fatalf("%v { %s }: %d SELECT COUNT, %d edges, %+v", c.vars, sel, counts, len(p.Edges), p.PageInfo)
			}
		}
	}
}

// equalCursor reports whether two optional cursors are both null or the same.
func equalCursor(a, b *string) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}
