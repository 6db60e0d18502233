package wallet_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent/user"
	"backbone/internal/testenv"
	"backbone/internal/wallet"
)

// BenchmarkHold measures holds per second on PostgreSQL with BENCH_CLIENTS concurrent
// callers (default 8, as pgbench -c 8): spread over many wallets, and all on one hot
// wallet (whose row lock serialises them). BENCH_DATABASE_URL names the database (an
// empty one, or one with only pgbench's tables: bench/wallet.sh uses the same database
// for both); by default a scratch database is created.
func BenchmarkHold(b *testing.B) {
	url := os.Getenv("BENCH_DATABASE_URL")
	if url == "" {
		url = testenv.NewPostgresDB(b)
	}
	e := newEnv(b, url, wallet.Options{})
	clients := 8
	if n, err := strconv.Atoi(os.Getenv("BENCH_CLIENTS")); err == nil && n > 0 {
		clients = n
	}
	many := make([]uuid.UUID, 1000)
	for i := range many {
		id, ctx := e.mustUser(b, user.RoleCLIENT)
		e.mustBuy(b, ctx, wallet.MaxPurchase)
		many[i] = id
	}
	hotID, hotCtx := e.mustUser(b, user.RoleCLIENT)
	b.Run("many_wallets", func(b *testing.B) {
		benchHolds(b, e, clients, func(i int64) uuid.UUID { return many[i%int64(len(many))] })
	})
	b.Run("hot_wallet", func(b *testing.B) {
		for range b.N/int(wallet.MaxPurchase) + 1 {
			e.mustBuy(b, hotCtx, wallet.MaxPurchase)
		}
		benchHolds(b, e, clients, func(int64) uuid.UUID { return hotID })
	})
}

// benchHolds runs b.N holds of one credit from clients goroutines; wallet picks the
// client of the i-th hold.
func benchHolds(b *testing.B, e *env, clients int, wallet_ func(i int64) uuid.UUID) {
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((clients + procs - 1) / procs)
	var next atomic.Int64
	ctx := context.Background()
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			_, err := e.svc.Hold(ctx, wallet.HoldInput{QuestionID: uuid.New(), ClientID: wallet_(i), Amount: 1, IdempotencyKey: "submit"})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "holds/s")
}
