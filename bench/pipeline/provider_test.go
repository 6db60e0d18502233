package main

import (
	"math/rand/v2"
	"testing"

	"backbone/internal/ai"
	"backbone/internal/originality"
)

// The fake provider's answers must pass the rewrite guards as a rewrite of one another
// (or the pipeline would ask again and measure that), and be distinct answers to the
// originality check.
func TestFakeAnswersPassTheGuardsAndAreOriginal(t *testing.T) {
	for seed := range uint64(50) {
		draft := prose(rand.New(rand.NewPCG(seed, 12)), 300)
		rewrite := prose(rand.New(rand.NewPCG(seed+1000, 12)), 300)
		if err := ai.CheckRewrite(draft, rewrite); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		a, b := originality.Fingerprints(draft), originality.Fingerprints(rewrite)
		if len(a) < 20 {
			t.Fatalf("seed %d: %d fingerprints in a 300-word answer", seed, len(a))
		}
		shared := map[int64]bool{}
		for _, h := range a {
			shared[h] = true
		}
		n := 0
		for _, h := range b {
			if shared[h] {
				n++
			}
		}
		if n > len(b)/10 {
			t.Fatalf("seed %d: %d of %d fingerprints shared by two fake answers", seed, n, len(b))
		}
	}
}
