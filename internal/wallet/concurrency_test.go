package wallet_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/uuid"

	"backbone/ent/creditpurchase"
	"backbone/ent/idempotencykey"
	"backbone/ent/user"
	"backbone/internal/errs"
	"backbone/internal/wallet"
)

// stressOps and stressWorkers size the concurrency test: thousands of operations from
// many goroutines, under half a minute on a 2-core machine with -race.
const (
	stressWorkers = 32
	stressOps     = 6400
)

// stress is the shared state of the concurrency test.
type stress struct {
	e       *env
	clients []uuid.UUID
	ctxs    []context.Context
	experts []uuid.UUID

	mu    sync.Mutex
	open  []held                 // questions with a hold, maybe already captured or released
	calls []func() (string, any) // every call made, to be repeated with its key
	done  map[string][]outcome   // successful outcomes per scoped key
	codes map[errs.Code]int      // expected refusals, counted
}

type held struct{ question, client uuid.UUID }

type outcome struct {
	txID     uuid.UUID
	replayed bool
}

func TestConcurrentOperationsKeepTheLedgerExact(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dialects[0].url(t), wallet.Options{})
	s := &stress{e: e, done: map[string][]outcome{}, codes: map[errs.Code]int{}}
	for range 16 {
		id, ctx := e.mustUser(t, user.RoleCLIENT)
		e.mustBuy(t, ctx, 300)
		s.clients, s.ctxs = append(s.clients, id), append(s.ctxs, ctx)
	}
	for range 4 {
		id, _ := e.mustUser(t, user.RoleEXPERT)
		s.experts = append(s.experts, id)
	}
	var wg sync.WaitGroup
	for w := range stressWorkers {
		rng := rand.New(rand.NewPCG(uint64(w), 42))
		wg.Go(func() {
			for range stressOps / stressWorkers {
				if err := s.step(rng); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	checkInvariants(t, e.db.Client)
	s.checkKeys(t)
}

// step runs one random operation, or repeats an earlier one with its key.
func (s *stress) step(rng *rand.Rand) error {
	var call func() (string, any)
	switch p := rng.IntN(100); {
	case p < 10:
		call = s.repeat(rng)
	case p < 20:
		i := rng.IntN(len(s.clients))
		key, credits := uuid.NewString(), int64(1+rng.IntN(50))
		call = func() (string, any) {
			pu, err := s.e.svc.BuyCredits(s.ctxs[i], wallet.BuyInput{Credits: credits, IdempotencyKey: key})
			return "buy:" + s.clients[i].String() + ":" + key, result(pu, err)
		}
	case p < 55:
		i := rng.IntN(len(s.clients))
		in := wallet.HoldInput{QuestionID: uuid.New(), ClientID: s.clients[i], Amount: int64(1 + rng.IntN(40)), IdempotencyKey: "submit"}
		s.mu.Lock()
		s.open = append(s.open, held{in.QuestionID, in.ClientID})
		s.mu.Unlock()
		call = func() (string, any) {
			r, err := s.e.svc.Hold(context.Background(), in)
			return "q:" + in.QuestionID.String(), rresult(r, err)
		}
	default:
		h, ok := s.pick(rng)
		if !ok {
			return nil
		}
		if p < 78 {
			in := wallet.CaptureInput{QuestionID: h.question, ClientID: h.client, ExpertID: s.experts[rng.IntN(len(s.experts))], IdempotencyKey: "accept"}
			call = func() (string, any) {
				r, err := s.e.svc.Capture(context.Background(), in)
				return "q:" + in.QuestionID.String() + "/c", rresult(r, err)
			}
		} else {
			in := wallet.ReleaseInput{QuestionID: h.question, ClientID: h.client, IdempotencyKey: "cancel"}
			call = func() (string, any) {
				r, err := s.e.svc.Release(context.Background(), in)
				return "q:" + in.QuestionID.String() + "/r", rresult(r, err)
			}
		}
	}
	if call == nil {
		return nil
	}
	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.mu.Unlock()
	return s.record(call())
}

// repeat picks an earlier call; half the time it runs it twice at once.
func (s *stress) repeat(rng *rand.Rand) func() (string, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.calls) == 0 {
		return nil
	}
	// Prefer recent calls, which may still be in flight.
	c := s.calls[max(0, len(s.calls)-1-rng.IntN(min(len(s.calls), 20)))]
	if rng.IntN(2) == 0 {
		return c
	}
	return func() (string, any) {
		var wg sync.WaitGroup
		var key string
		var res any
		wg.Go(func() { key, res = c() })
		k2, r2 := c()
		wg.Wait()
		if err := s.record(k2, r2); err != nil {
			return k2, err
		}
		return key, res
	}
}

func (s *stress) pick(rng *rand.Rand) (held, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.open) == 0 {
		return held{}, false
	}
	return s.open[len(s.open)-1-rng.IntN(min(len(s.open), 50))], true
}

// record notes a successful outcome; expected refusals pass, anything else fails.
func (s *stress) record(key string, res any) error {
	switch r := res.(type) {
	case outcome:
		s.mu.Lock()
		s.done[key] = append(s.done[key], r)
		s.mu.Unlock()
		return nil
	case error:
		if c := errs.CodeOf(r); c == errs.InsufficientCredits || c == errs.Conflict {
			s.mu.Lock()
			s.codes[c]++
			s.mu.Unlock()
			return nil
		}
		return fmt.Errorf("%s: %w", key, r)
	}
	return nil
}

func result(p *wallet.Purchase, err error) any {
	if err != nil {
		return err
	}
	return outcome{*p.TransactionID, p.Replayed}
}

func rresult(r wallet.Receipt, err error) any {
	if err != nil {
		return err
	}
	return outcome{r.TransactionID, r.Replayed}
}

// checkKeys verifies that every key took effect once: its successful calls share one
// transaction, exactly one of them fresh, and the ledger holds one transaction per key.
func (s *stress) checkKeys(t *testing.T) {
	t.Helper()
	replays := 0
	for key, outs := range s.done {
		replays += len(outs) - 1
		fresh := 0
		for _, o := range outs {
			if !o.replayed {
				fresh++
			}
			if o.txID != outs[0].txID {
				t.Errorf("key %s: transactions %s and %s", key, o.txID, outs[0].txID)
			}
		}
		if fresh != 1 {
			t.Errorf("key %s took effect %d times", key, fresh)
		}
	}
	ctx := allow()
	txs, err := s.e.db.Client.LedgerTransaction.Query().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := s.e.db.Client.IdempotencyKey.Query().Where(idempotencykey.OperationNEQ("none")).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Purchases keep their key in their own row, one per buyer and key.
	purchases, err := s.e.db.Client.CreditPurchase.Query().Where(creditpurchase.TransactionIDNotNil()).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keys += purchases
	// Every transaction has one key (the setup purchases included) and vice versa.
	if txs != keys || keys != len(s.done)+len(s.clients) {
		t.Errorf("%d transactions, %d keys, %d keys seen to succeed (+%d setup purchases)", txs, keys, len(s.done), len(s.clients))
	}
	t.Logf("%d calls, %d keys took effect, %d replays, %d transactions, refusals %v",
		len(s.calls), len(s.done), replays, txs, s.codes)
}
