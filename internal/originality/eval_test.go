package originality

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"backbone/internal/dbtest"
	"backbone/internal/settings"
	"backbone/internal/testenv"
)

// Targets of issue 12.
const (
	targetPrecision = 0.95
	targetRecall    = 0.9 // on copies of 40% or more
)

// metrics are the figures of one evaluation at one threshold.
type metrics struct {
	Precision, Recall, FalsePositiveRate float64
	// rows is a per-kind summary, in the order kinds first appear.
	rows []string
}

// evaluate flags every case whose score is below threshold and measures the outcome.
// found reports, per case, whether the first match named its source (nil: not known).
func evaluate(cases []evalCase, scores []float64, found []bool, threshold float64) metrics {
	type tally struct {
		n, flagged, found int
		min, sum          float64
	}
	byKind := map[string]*tally{}
	var order []string
	var tp, fp, negatives, targets, targetHits int
	for i, c := range cases {
		flagged := scores[i] < threshold
		t := byKind[c.Kind]
		if t == nil {
			t = &tally{min: 1}
			byKind[c.Kind] = t
			order = append(order, c.Kind)
		}
		t.n++
		t.sum += scores[i]
		t.min = min(t.min, scores[i])
		if flagged {
			t.flagged++
		}
		if found != nil && found[i] {
			t.found++
		}
		switch {
		case !c.positive():
			negatives++
			if flagged {
				fp++
			}
		case flagged:
			tp++
		}
		if c.positive() && c.Copied >= 0.4 {
			targets++
			if flagged {
				targetHits++
			}
		}
	}
	m := metrics{
		Precision:         float64(tp) / float64(max(tp+fp, 1)),
		Recall:            float64(targetHits) / float64(max(targets, 1)),
		FalsePositiveRate: float64(fp) / float64(max(negatives, 1)),
	}
	for _, k := range order {
		t := byKind[k]
		row := fmt.Sprintf("%-40s n=%3d flagged=%5.1f%% score mean=%.2f min=%.2f", k, t.n,
			100*float64(t.flagged)/float64(t.n), t.sum/float64(t.n), t.min)
		if found != nil && t.found > 0 {
			row += fmt.Sprintf(" source first=%5.1f%%", 100*float64(t.found)/float64(t.n))
		}
		m.rows = append(m.rows, row)
	}
	return m
}

// TestEvaluation records the stored answers of the evaluation set in a database and
// checks every case through Check, at the default originalityThreshold.
func TestEvaluation(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, testenv.NewSQLiteURL(t))
	answers := loadAnswers(t)
	cases := buildEvalSet(answers)
	questions := make([]uuid.UUID, len(answers))
	for i, a := range answers {
		questions[i] = uuid.New()
		if a.Stored {
			if err := Record(ctx, d.Client, questions[i], uuid.New(), a.Body); err != nil {
				t.Fatal(err)
			}
		}
	}
	scores := make([]float64, len(cases))
	found := make([]bool, len(cases))
	for i, c := range cases {
		asker := uuid.New()
		if c.Self >= 0 {
			asker = questions[c.Self]
		}
		res, err := Check(ctx, d.Client, asker, c.Text)
		if err != nil {
			t.Fatal(err)
		}
		scores[i] = res.Score
		found[i] = c.positive() && len(res.Matches) > 0 && res.Matches[0].QuestionID == questions[c.Source]
	}
	threshold := settings.Defaults().OriginalityThreshold
	m := evaluate(cases, scores, found, threshold)
	t.Logf("evaluation set: %d answers (%d cases), threshold %.2f, K=%d W=%d", len(answers), len(cases), threshold, K, W)
	for _, r := range m.rows {
		t.Log(r)
	}
	t.Logf("precision %.3f, recall on copies of 40%% or more %.3f, false positive rate %.3f",
		m.Precision, m.Recall, m.FalsePositiveRate)
	if m.Precision < targetPrecision || m.Recall < targetRecall {
		for i, c := range cases {
			if flagged := scores[i] < threshold; flagged != c.positive() && (!c.positive() || c.Copied >= 0.4) {
				t.Logf("missed: score %.2f %s", scores[i], c.describe())
			}
		}
		t.Errorf("precision %.3f (want >= %.2f), recall %.3f (want >= %.2f)", m.Precision, targetPrecision, m.Recall, targetRecall)
	}
}

// TestEvaluationSweep measures other choices of K and W on the same set, with the
// containment computed in memory, and prints them: the table that justifies the
// defaults (run with -v). It asserts that the in-memory figures for the defaults meet
// the targets, as the database path must (TestEvaluation).
func TestEvaluationSweep(t *testing.T) {
	answers := loadAnswers(t)
	cases := buildEvalSet(answers)
	threshold := settings.Defaults().OriginalityThreshold
	table := []string{"K W  precision recall fp-rate  negatives' top overlap  light edits' mean  20%-copies flagged  fingerprints/100 words"}
	for _, k := range []int{3, 4, 5, 6, 8} {
		for _, w := range []int{1, 2, 4, 6, 8} {
			scores, perWords := scoreInMemory(answers, cases, k, w)
			m := evaluate(cases, scores, nil, threshold)
			var negTop, editSum, edits, twenty, twentyHit float64
			for i, c := range cases {
				switch {
				case !c.positive():
					negTop = max(negTop, 1-scores[i])
				case c.Kind == kindLightEdit:
					editSum, edits = editSum+1-scores[i], edits+1
				case c.Kind == kindTwenty:
					twenty++
					if scores[i] < threshold {
						twentyHit++
					}
				}
			}
			table = append(table, fmt.Sprintf("%d %d  %9.3f %6.3f %7.3f  %22.3f  %17.3f  %18.3f  %22.1f",
				k, w, m.Precision, m.Recall, m.FalsePositiveRate, negTop, editSum/edits, twentyHit/twenty, 100*perWords))
			if k == K && w == W && (m.Precision < targetPrecision || m.Recall < targetRecall) {
				t.Errorf("defaults K=%d W=%d: precision %.3f, recall %.3f", k, w, m.Precision, m.Recall)
			}
		}
	}
	t.Logf("threshold %.2f:\n%s", threshold, strings.Join(table, "\n"))
}

// scoreInMemory scores every case as Check does, with k-grams of k words and windows of
// w, and returns the scores and the fingerprints per word of the stored answers.
func scoreInMemory(answers []answer, cases []evalCase, k, w int) ([]float64, float64) {
	stored := map[int][]int64{}
	var fps, nwords int
	for i, a := range answers {
		if a.Stored {
			ws := words(a.Body)
			stored[i] = winnow(ws, k, w)
			fps += len(stored[i])
			nwords += len(ws)
		}
	}
	scores := make([]float64, len(cases))
	for ci, c := range cases {
		text := winnow(words(c.Text), k, w)
		best := 0.0
		for i, fp := range stored {
			if i != c.Self && len(text) > 0 {
				best = max(best, float64(shared(text, fp))/float64(len(text)))
			}
		}
		scores[ci] = 1 - best
	}
	return scores, float64(fps) / float64(nwords)
}

// shared counts the hashes two sorted sets have in common.
func shared(a, b []int64) int {
	n := 0
	for _, h := range a {
		if _, ok := slices.BinarySearch(b, h); ok {
			n++
		}
	}
	return n
}
