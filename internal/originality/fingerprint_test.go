package originality

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The example of the paper's figure 2: hashes of 5-grams, windows of 4.
func TestMinimaPaperExample(t *testing.T) {
	hashes := []uint64{77, 74, 42, 17, 98, 50, 17, 98, 8, 88, 67, 39, 77, 74, 42, 17, 98}
	got := minima(hashes, 4)
	want := []uint64{17, 17, 8, 39, 17}
	if !slices.Equal(got, want) {
		t.Fatalf("minima = %v, want %v (the paper's fingerprints)", got, want)
	}
}

func TestMinimaShortInputIsOneWindow(t *testing.T) {
	if got := minima([]uint64{5, 3, 9}, 4); !slices.Equal(got, []uint64{3}) {
		t.Fatalf("minima of 3 hashes, window 4 = %v, want [3]", got)
	}
}

func TestFingerprintsFewWords(t *testing.T) {
	if fp := Fingerprints("Only four words here."); fp != nil {
		t.Fatalf("fewer than K words gave %v, want none", fp)
	}
	if fp := Fingerprints("***  ## -- "); fp != nil {
		t.Fatalf("markup only gave %v, want none", fp)
	}
	if fp := Fingerprints("exactly five words are here"); len(fp) != 1 {
		t.Fatalf("K words gave %d fingerprints, want 1", len(fp))
	}
}

// Stored fingerprints must stay comparable with new ones across processes and releases:
// a change of hash, separator or normalisation fails here and needs a re-index.
func TestFingerprintsStable(t *testing.T) {
	text := "The quick brown fox jumps over the lazy dog while the cat sleeps in the sun."
	got := Fingerprints(text)
	// Computed independently (FNV-1a 64 of the NUL-joined 5-grams, windows of 4).
	want := []int64{2836116373029908037, 3044308232027179777, 3081599288968268519, 5664052862635480857}
	if !slices.Equal(got, want) {
		t.Fatalf("Fingerprints = %#v, want %#v", got, want)
	}
	for range 3 {
		if again := Fingerprints(text); !slices.Equal(again, got) {
			t.Fatalf("second call gave %v, first %v", again, got)
		}
	}
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Fatalf("fingerprints %v are not a sorted set", got)
	}
}

func TestFingerprintsNormalisationInvariance(t *testing.T) {
	base := "The derivative of x squared is 2x, because the slope doubles as x grows. " +
		"Use the power rule: bring the exponent down and subtract one from it."
	want := Fingerprints(base)
	variants := map[string]string{
		"case":        strings.ToUpper(base),
		"whitespace":  strings.ReplaceAll(base, " ", " \n\t  "),
		"punctuation": "The derivative of x-squared is 2x; because the slope doubles, as x grows!!! Use the power rule -- bring the exponent down and subtract one from it",
		"markdown": "## The derivative of *x squared* is `2x`\n\nbecause the **slope** doubles as x grows.\n\n" +
			"- Use the [power rule](https://example.com/power-rule):\n- bring the exponent down and _subtract one_ from it.",
		"ordered list":   "1. The derivative of x squared is 2x, because the slope doubles as x grows.\n2. Use the power rule: bring the exponent down and subtract one from it.",
		"quote and html": "> The derivative of x squared is 2x, because the slope <b>doubles</b> as x grows.\n\n<div>\nUse the power rule: bring the exponent down and subtract one from it.\n</div>",
		"nfkc":           "Ｔｈｅ derivative of x squared is ２x, because the slope doubles as x grows. Use the power rule: bring the exponent down and subtract one from it.",
		"zero width":     "The deri\u200bvative of x squa\u00adred is 2x, because the slope doubles as x grows. Use the power rule: bring the exponent down and subtract one from it.",
		"curly quotes":   "“The derivative of x squared is 2x,” because the slope doubles as x grows. Use the power rule: bring the exponent down and subtract one from it…",
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			if got := Fingerprints(v); !slices.Equal(got, want) {
				t.Fatalf("words %q\nwant %q", words(v), words(base))
			}
		})
	}
	if other := Fingerprints(strings.Replace(base, "subtract one", "add one", 1)); slices.Equal(other, want) {
		t.Fatal("a changed word left the fingerprints unchanged")
	}
}

// The paper's guarantee: two texts that share a run of at least w+k-1 words share a
// fingerprint, wherever the run sits in each.
func TestWinnowGuarantee(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 5000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%d", i)
	}
	randomWords := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = vocab[rng.IntN(len(vocab))]
		}
		return out
	}
	for _, kw := range [][2]int{{K, W}, {3, 2}, {5, 8}, {8, 4}} {
		k, w := kw[0], kw[1]
		for trial := range 300 {
			shared := randomWords(w + k - 1)
			a := slices.Concat(randomWords(rng.IntN(60)), shared, randomWords(rng.IntN(60)))
			b := slices.Concat(randomWords(rng.IntN(60)), shared, randomWords(rng.IntN(60)))
			if !intersects(winnow(a, k, w), winnow(b, k, w)) {
				t.Fatalf("k=%d w=%d trial %d: a shared run of %d words gave no shared fingerprint", k, w, trial, w+k-1)
			}
		}
	}
}

func intersects(a, b []int64) bool {
	for _, h := range a {
		if _, ok := slices.BinarySearch(b, h); ok {
			return true
		}
	}
	return false
}
