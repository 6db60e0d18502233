package main

import (
	"reflect"
	"slices"
	"testing"

	"backbone/internal/testenv"
)

// inStats is an ExpertStats as the tests read it.
type inStats struct {
	Expert                                  struct{ ID string }
	AnswersDelivered, Accepted, RatingCount int
	AcceptanceRate, AverageStars            *float64
	OnTimeRate, RevisionRate                *float64
	Disputes                                struct{ Opened, Open, NoRefund, PartialRefund, FullRefund int }
	MedianSecondsToClaim                    *int
	MedianSecondsToDeliver                  *int
	Earnings                                int
}

const inStatsQuery = `query($e: ID, $from: Time, $to: Time) { expertStats(expertId: $e, from: $from, to: $to) {
	expert { id } answersDelivered accepted acceptanceRate averageStars ratingCount onTimeRate revisionRate
	disputes { opened open noRefund partialRefund fullRefund } medianSecondsToClaim medianSecondsToDeliver earnings } }`

func (w *azWorld) inStats(t *testing.T, token string, vars map[string]any) inStats {
	t.Helper()
	var out struct{ ExpertStats inStats }
	w.mustGQL(t, token, inStatsQuery, vars, &out)
	return out.ExpertStats
}

// TestExpertStatsRatingsAndLedgerQuestionsOverGraphQL: an expert's answers accepted,
// revised and disputed give their figures; ratings list newest first for the expert and
// admins; ledger entries name their question.
func TestExpertStatsRatingsAndLedgerQuestionsOverGraphQL(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w := newAzWorld(t, nil)
	admin := w.callers[azAdmin]
	client, expert, other := w.register(t, false), w.qfExpert(t), w.qfExpert(t)

	great := w.qfDelivered(t, client, expert)
	w.inAccept(t, client, great, 5, "Great")
	revised := w.qfDelivered(t, client, expert)
	w.inRevise(t, client, expert, revised, "Add an example.", "Blue light scatters about five times more than red.")
	w.inAccept(t, client, revised, 3, "")
	partly := w.qfDisputed(t, client, expert)
	w.inResolve(t, partly, 5, "Half right.")
	w.qfDisputed(t, client, expert) // still open
	theirs := w.qfDelivered(t, client, other)
	w.inAccept(t, client, theirs, 4, "Fine")

	mine := w.inStats(t, expert.Token, nil)
	// Two accepted answers at 20 less the 20% fee (16 each), and 15 of a dispute's 20
	// less the fee (12).
	if mine.Expert.ID != expert.ID || mine.AnswersDelivered != 4 || mine.Accepted != 2 || mine.RatingCount != 2 ||
		!inIs(mine.AcceptanceRate, 0.5) || !inIs(mine.AverageStars, 4) || !inIs(mine.OnTimeRate, 1) ||
		!inIs(mine.RevisionRate, 0.25) || mine.Earnings != 44 ||
		mine.Disputes.Opened != 2 || mine.Disputes.Open != 1 || mine.Disputes.PartialRefund != 1 ||
		mine.Disputes.NoRefund != 0 || mine.Disputes.FullRefund != 0 ||
		mine.MedianSecondsToClaim == nil || *mine.MedianSecondsToClaim < 0 ||
		mine.MedianSecondsToDeliver == nil || *mine.MedianSecondsToDeliver < 0 {
		t.Fatalf("expertStats: %+v", mine)
	}
	if byAdmin := w.inStats(t, admin.Token, map[string]any{"e": expert.ID}); !reflect.DeepEqual(byAdmin, mine) {
		t.Fatalf("the admin reads %+v, the expert %+v", byAdmin, mine)
	}
	if own := w.inStats(t, expert.Token, map[string]any{"e": expert.ID}); !reflect.DeepEqual(own, mine) {
		t.Fatalf("naming oneself reads %+v", own)
	}
	if theirStats := w.inStats(t, admin.Token, map[string]any{"e": other.ID}); theirStats.AnswersDelivered != 1 || theirStats.Accepted != 1 ||
		!inIs(theirStats.AverageStars, 4) || theirStats.Earnings != 16 {
		t.Fatalf("the other expert's stats: %+v", theirStats)
	}
	// A period before any activity counts nothing.
	empty := w.inStats(t, expert.Token, map[string]any{"from": "2000-01-01T00:00:00Z", "to": "2000-01-02T00:00:00Z"})
	if empty.AnswersDelivered != 0 || empty.AcceptanceRate != nil || empty.AverageStars != nil || empty.Earnings != 0 ||
		empty.MedianSecondsToClaim != nil || empty.RatingCount != 0 {
		t.Fatalf("stats of an empty period: %+v", empty)
	}
	w.wfFail(t, expert.Token, "FORBIDDEN", inStatsQuery, map[string]any{"e": other.ID})
	w.wfFail(t, admin.Token, "BAD_USER_INPUT", inStatsQuery, nil)
	w.wfFail(t, admin.Token, "NOT_FOUND", inStatsQuery, map[string]any{"e": client.ID})
	w.wfFail(t, expert.Token, "BAD_USER_INPUT", inStatsQuery, map[string]any{"from": "2030-01-02T00:00:00Z", "to": "2030-01-01T00:00:00Z"})
	w.wfFail(t, client.Token, "FORBIDDEN", inStatsQuery, nil)

	type rating struct {
		ID       string
		Stars    int
		Comment  *string
		Question struct{ ID string }
		Expert   struct{ ID string }
	}
	ratings := func(token string, vars map[string]any) []rating {
		var out struct{ Ratings wfConnection[rating] }
		w.mustGQL(t, token, `query($e: ID) { ratings(expertId: $e, first: 20) { totalCount edges { node { id stars comment question { id } expert { id } } } } }`, vars, &out)
		return out.Ratings.nodes(t)
	}
	got := ratings(expert.Token, nil)
	if len(got) != 2 || got[0].Question.ID != revised || got[0].Stars != 3 || got[0].Comment != nil ||
		got[1].Question.ID != great || got[1].Stars != 5 || got[1].Comment == nil || *got[1].Comment != "Great" || got[1].Expert.ID != expert.ID {
		t.Fatalf("the expert's ratings, newest first: %+v", got)
	}
	if byAdmin := ratings(admin.Token, map[string]any{"e": expert.ID}); !reflect.DeepEqual(byAdmin, got) {
		t.Fatalf("the admin reads the expert's ratings as %+v", byAdmin)
	}
	if all := ratings(admin.Token, nil); len(all) != 3 {
		t.Fatalf("the admin reads %d ratings in all, want 3", len(all))
	}
	if typ := w.wfNode(t, expert.Token, got[0].ID); typ != "Rating" {
		t.Fatalf("node(rating id) is a %s", typ)
	}
	w.wfFail(t, expert.Token, "FORBIDDEN", `query($e: ID) { ratings(expertId: $e, first: 5) { totalCount } }`, map[string]any{"e": other.ID})
	var hidden struct{ Node *struct{ ID string } }
	w.mustGQL(t, other.Token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": got[0].ID}, &hidden)
	if hidden.Node != nil {
		t.Fatal("another expert reads the rating through node(id:)")
	}

	// Ledger entries name their question: the expert's captures and the client's holds.
	type entry struct {
		Kind     string
		Amount   int
		Question *struct{ ID string }
	}
	entries := func(token string) []entry {
		var out struct{ LedgerEntries wfConnection[entry] }
		w.mustGQL(t, token, `{ ledgerEntries(first: 50) { totalCount edges { node { kind amount question { id } } } } }`, nil, &out)
		return out.LedgerEntries.nodes(t)
	}
	var captured []string
	for _, e := range entries(expert.Token) {
		if e.Kind == "CAPTURE" && e.Question != nil {
			captured = append(captured, e.Question.ID)
		}
	}
	slices.Sort(captured)
	want := []string{great, revised, partly}
	slices.Sort(want)
	if !slices.Equal(captured, want) {
		t.Fatalf("the expert's captures name questions %v, want %v", captured, want)
	}
	holds, purchases := 0, 0
	for _, e := range entries(client.Token) {
		switch {
		case e.Kind == "HOLD" && e.Question != nil:
			holds++
		case e.Kind == "PURCHASE" && e.Question == nil:
			purchases++
		case e.Kind == "HOLD" || e.Kind == "PURCHASE":
			t.Fatalf("client entry %+v", e)
		}
	}
	// Each hold moves credits from the client's wallet to the question's escrow, both theirs.
	if holds != 10 || purchases != 5 {
		t.Fatalf("the client's entries: %d hold postings and %d purchases naming their question rightly, want 10 and 5", holds, purchases)
	}
}

// inIs reports whether f is set to want (within rounding).
func inIs(f *float64, want float64) bool { return f != nil && *f > want-1e-9 && *f < want+1e-9 }
