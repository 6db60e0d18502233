package main

import (
	"math/rand/v2"
	"strings"
	"sync/atomic"

	"backbone/internal/ai/aitest"
)

// newProvider starts the fake OpenAI-compatible provider on loopback: it answers at once,
// records nothing, and gives every request a text of its own of about words words, as
// real answers are distinct. (The originality check reads only the delivered answers
// sharing the text's fingerprints, and this tool delivers none.) The texts hold no digit,
// link or code, so a rewrite of any draft passes the rewrite guards at the first try.
func newProvider(words int) *aitest.Server {
	p := aitest.New(aitest.WithoutRecording())
	var n atomic.Uint64
	p.Handle(func(aitest.Request) aitest.Reply {
		rng := rand.New(rand.NewPCG(n.Add(1), 12))
		return aitest.Reply{Text: prose(rng, words)}
	})
	return p
}

// syllables make up the fake vocabulary: 20 x 5 x 8 = 800 syllables, words of 1 to 3.
var (
	onsets = strings.Fields("b c d f g h j k l m n p r s t v w z br st")
	vowels = strings.Fields("a e i o u")
	codas  = []string{"", "n", "r", "s", "l", "m", "t", "nd"}
)

// prose is words pseudo-words in sentences of 8 to 19 words.
func prose(rng *rand.Rand, words int) string {
	var b strings.Builder
	left := 0
	for i := range words {
		if left == 0 {
			if i > 0 {
				b.WriteString(". ")
			}
			left = 8 + rng.IntN(12)
		} else {
			b.WriteByte(' ')
		}
		left--
		for range 1 + rng.IntN(3) {
			b.WriteString(onsets[rng.IntN(len(onsets))])
			b.WriteString(vowels[rng.IntN(len(vowels))])
			b.WriteString(codas[rng.IntN(len(codas))])
		}
	}
	b.WriteByte('.')
	return b.String()
}
