package main

import (
	"math/rand/v2"
	"strings"
)

// corpus makes synthetic answers that behave like text for fingerprinting: words drawn
// from a Zipf law over a large vocabulary (a few words are very common, most are rare),
// in sentences and paragraphs, with stock sentences ("I hope this helps") that recur
// across answers at Zipf-like rates. Those make the long posting lists a check has to
// read: the most common one is in `boilerplate` of all answers.
type corpus struct {
	seed   uint64
	words  int
	vocab  []string
	stock  [][]string
	stockP []float64
}

func newCorpus(seed uint64, words int, boilerplate float64) *corpus {
	c := &corpus{seed: seed, words: words, vocab: make([]string, 50000)}
	for i := range c.vocab {
		c.vocab[i] = pseudoWord(i)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	z := c.zipf(rng)
	for i := range 40 {
		s := make([]string, 10+rng.IntN(6))
		for j := range s {
			s[j] = c.vocab[z.Uint64()]
		}
		c.stock = append(c.stock, s)
		c.stockP = append(c.stockP, boilerplate/float64(i+1))
	}
	return c
}

// pseudoWord spells i in syllables: distinct, word-like, of varied length.
func pseudoWord(i int) string {
	const cons, vows = "bdfgklmnprstvz", "aeiou"
	var b strings.Builder
	for {
		b.WriteByte(cons[i%len(cons)])
		i /= len(cons)
		b.WriteByte(vows[i%len(vows)])
		i /= len(vows)
		if i == 0 {
			return b.String()
		}
	}
}

func (c *corpus) zipf(rng *rand.Rand) *rand.Zipf {
	return rand.NewZipf(rng, 1.07, 2, uint64(len(c.vocab)-1))
}

// stored returns the text of stored answer i, the same every time it is asked for.
func (c *corpus) stored(i int) string { return c.text(rand.New(rand.NewPCG(c.seed, uint64(i)+1))) }

// fresh returns the text of an answer that is not stored, drawn from rng.
func (c *corpus) fresh(rng *rand.Rand) string { return c.text(rng) }

func (c *corpus) text(rng *rand.Rand) string {
	z := c.zipf(rng)
	var sents [][]string
	n := 0
	for n < c.words {
		s := make([]string, 8+rng.IntN(13))
		for j := range s {
			s[j] = c.vocab[z.Uint64()]
		}
		sents = append(sents, s)
		n += len(s)
	}
	for i, s := range c.stock {
		if rng.Float64() < c.stockP[i] {
			at := rng.IntN(len(sents) + 1)
			sents = append(sents[:at], append([][]string{s}, sents[at:]...)...)
		}
	}
	var b strings.Builder
	for i, s := range sents {
		if i > 0 {
			if i%4 == 0 {
				b.WriteString("\n\n")
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(strings.ToUpper(s[0][:1]) + s[0][1:])
		for _, w := range s[1:] {
			b.WriteByte(' ')
			b.WriteString(w)
		}
		b.WriteByte('.')
	}
	return b.String()
}

// lightEdit replaces about one word in ten.
func (c *corpus) lightEdit(rng *rand.Rand, text string) string {
	f := strings.Fields(text)
	for range len(f) / 10 {
		f[rng.IntN(len(f))] = c.vocab[rng.IntN(len(c.vocab))]
	}
	return strings.Join(f, " ")
}

// half keeps the first half of text's words and appends new ones.
func (c *corpus) half(rng *rand.Rand, text string) string {
	f := strings.Fields(text)
	return strings.Join(f[:len(f)/2], " ") + " " + strings.Join(strings.Fields(c.fresh(rng))[:len(f)/2], " ")
}
