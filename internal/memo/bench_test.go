package memo_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"backbone/internal/memo"
)

// BenchmarkGetLocalHit is the common path: a value about the size of the settings, in
// this process.
func BenchmarkGetLocalHit(b *testing.B) {
	type value struct {
		Names  []string
		Prices map[string]map[string]int64
	}
	v := value{Prices: map[string]map[string]int64{}}
	for i := range 10 {
		name := "subject" + strconv.Itoa(i)
		v.Names = append(v.Names, name)
		v.Prices[name] = map[string]int64{"LOW": 10, "NORMAL": 20, "HIGH": 35, "URGENT": 50}
	}
	m := memo.New(memo.Config{Name: "bench"})
	defer m.Close()
	load := func(context.Context) (value, error) { return v, nil }
	for b.Loop() {
		if _, err := memo.Get(context.Background(), m, "k", time.Hour, load, "t"); err != nil {
			b.Fatal(err)
		}
	}
}
