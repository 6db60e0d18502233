// Package originality tells how much of an answer already exists on the platform.
//
// It uses winnowing (Schleimer, Wilkerson and Aiken, "Winnowing: Local Algorithms for
// Document Fingerprinting", SIGMOD 2003, the algorithm behind MOSS): the text is
// normalised to a sequence of words, every run of K consecutive words (a k-gram) is
// hashed, and of every window of W consecutive k-gram hashes the smallest is kept. The
// kept hashes, the text's fingerprints, are stored in an indexed table; a check looks up
// only the answers that share fingerprints with the text, and the share of the text's
// fingerprints that an earlier answer holds (containment) is how much of the text that
// answer covers. Any run of at least W+K-1 words common to two texts gives them a common
// fingerprint; shorter runs, such as stock phrases, usually do not.
package originality

import (
	"hash/fnv"
	"slices"
)

// K and W were chosen on the evaluation set in testdata (TestEvaluationSweep prints the
// table): K=5 is the smallest k-gram at which answers to other questions on the same
// subject share no fingerprint at all (with K=3 they share up to 8%, a share that would
// grow with the number of stored answers), while a copy with one word in ten changed
// still shares 55% (38% at K=8). W=4 keeps about 2/(W+1) = 38 fingerprints per 100
// words, about 115 rows for a 300-word answer, and guarantees that any common run of
// W+K-1 = 8 words, shorter than most sentences, gives a common fingerprint; a wider window
// stores fewer rows but needs longer runs. In scripts written without spaces a word is
// one character (see words): the same K and W then ask for runs of 5 and 8 characters.
const (
	// K is the length of a k-gram, in words.
	K = 5
	// W is the winnowing window, in k-grams.
	W = 4
)

// Fingerprints returns the winnowed fingerprints of text with the default K and W: a
// sorted set of hashes. A text of fewer than K words has none.
func Fingerprints(text string) []int64 { return winnow(words(text), K, W) }

// winnow returns the fingerprints of the words ws, with k-grams of k words and windows
// of w k-grams, as a sorted set. Fewer k-grams than a window make one window; fewer words
// than k make no k-gram.
func winnow(ws []string, k, w int) []int64 {
	if len(ws) < k {
		return nil
	}
	kept := minima(kgramHashes(ws, k), w)
	out := make([]int64, len(kept))
	for i, h := range kept {
		out[i] = int64(h)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// minima is the winnowing step of the paper: of every window of w consecutive hashes it
// keeps the smallest, the rightmost one on a tie, and records it once however many
// windows share it (a hash that occurs again further on is recorded again).
func minima(hashes []uint64, w int) []uint64 {
	w = min(w, len(hashes))
	var out []uint64
	last := -1 // position of the last recorded hash
	for start := 0; start+w <= len(hashes); start++ {
		pos := start
		for i := start + 1; i < start+w; i++ {
			if hashes[i] <= hashes[pos] {
				pos = i
			}
		}
		if pos != last {
			out = append(out, hashes[pos])
			last = pos
		}
	}
	return out
}

// kgramHashes returns the 64-bit FNV-1a hash of each run of k words, the words separated
// by a byte no word holds. FNV is fixed by its specification, so stored fingerprints stay
// comparable across processes and releases.
func kgramHashes(ws []string, k int) []uint64 {
	out := make([]uint64, len(ws)-k+1)
	h := fnv.New64a()
	for i := range out {
		h.Reset()
		for j, word := range ws[i : i+k] {
			if j > 0 {
				_, _ = h.Write([]byte{0})
			}
			_, _ = h.Write([]byte(word))
		}
		out[i] = h.Sum64()
	}
	return out
}
