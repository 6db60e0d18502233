package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"backbone/internal/testenv"
)

// mpEventLimit bounds the wait for one event to cross from process A to process B: a
// guard against a hang on a loaded machine, not a measure of speed.
const mpEventLimit = 20 * time.Second

// TestTwoProcessesShareEventsThroughRedis runs two server processes on one PostgreSQL
// database and one Redis (a private redis-server, so that it can be killed): a change
// made through process A reaches subscribers of process B; Redis dies and comes back
// under both, the sockets to B stay open, a change made while Redis was down reaches
// every subscription (notificationAdded, questionUpdated, taskQueueChanged), and so does
// the next change; every notification and queue change arrives exactly once.
func TestTwoProcessesShareEventsThroughRedis(t *testing.T) {
	t.Parallel()
	redisPort := freePort(t)
	stopRedis := startRedis(t, redisPort)
	env := map[string]string{
		"DATABASE_URL":     testenv.NewPostgresDB(t),
		"REDIS_URL":        "redis://127.0.0.1:" + strconv.Itoa(redisPort) + "/0",
		"JWT_SECRET":       testJWTSecret,
		"TRUSTED_PROXIES":  "127.0.0.1/32",
		"RUN_WORKERS":      "true", // both relay the outbox and make notifications, as replicas do
		"LOG_LEVEL":        "warn",
		"STARTUP_TIMEOUT":  "60s",
		"SHUTDOWN_TIMEOUT": "10s",
	}
	procs := startProcesses(t, buildServerBinary(t), env, "A", "B")
	procA, procB := procs[0], procs[1]
	onA := newAPI(procA.testServer)
	onB := onA.on(procB.testServer)

	client := onA.registerVerified(t, uniqueEmail("twoproc"))
	cred := bearer(client.AccessToken)
	mpBuyCredits(t, onA, cred, 3*qfPrice)
	expert := mpExpert(t, onA, env["DATABASE_URL"])

	start := uuid.Must(uuid.NewV7())
	sock := mpListen(t, procB.testServer, client.AccessToken)
	sock.subscribe(t, "n", nfSubscription, map[string]any{"after": nfCursor(t, start)})
	tasks := mpListen(t, procB.testServer, expert.AccessToken)
	tasks.subscribe(t, "tasks", `subscription { taskQueueChanged { change questionId } }`, nil)
	tasks.await(t, "B's taskQueueChanged subscription live", func([]mpMessage) bool {
		return mpGauge(t, procB.testServer, "websocket_shared_subscribers") >= 1
	})

	// One question to cancel before the outage, one during it, one after.
	before, during, after := mpSubmit(t, onA, cred), mpSubmit(t, onA, cred), mpSubmit(t, onA, cred)
	questions := []string{before, during, after}
	for _, id := range questions {
		mpAwaitStatus(t, onB, cred, id, "AWAITING_EXPERT") // B reads what A's workers wrote
		sock.awaitNotification(t, id, "AWAITING_EXPERT")
		tasks.awaitTask(t, "ADDED", id)
	}
	sock.followQuestions(t, procB.testServer, questions, 1+len(questions))
	began := time.Now()
	mpCancel(t, onA, cred, before)
	sock.awaitCancelled(t, before)
	tasks.awaitTask(t, "REMOVED", before)
	t.Logf("cancellation through A seen on B after %s", time.Since(began).Round(time.Millisecond))

	stopRedis()
	for _, p := range procs {
		waitFor(t, mpEventLimit, "process "+p.name+" reporting the bus down", func() bool { return busStatus(t, p.testServer) == "down" })
	}
	// Without Redis, A still takes a mutation and B still answers a query. The bus loses
	// the cancellation's events (or delivers them late): B's subscriptions read what they
	// may have missed from the database once their bus is back.
	mpCancel(t, onA, cred, during)
	if me := onB.me(t, cred); me.ID != client.User.ID {
		t.Fatalf("me on B during the outage: %+v", me)
	}
	began = time.Now()
	startRedis(t, redisPort)
	for _, p := range procs {
		waitFor(t, mpEventLimit, "process "+p.name+" reporting the bus up again", func() bool { return busStatus(t, p.testServer) == "up" })
	}
	t.Logf("both buses up %s after Redis restarted", time.Since(began).Round(time.Millisecond))
	sock.awaitCancelled(t, during)
	tasks.awaitTask(t, "REMOVED", during)
	t.Logf("the cancellation made during the outage seen on B %s after Redis restarted", time.Since(began).Round(time.Millisecond))

	began = time.Now()
	mpCancel(t, onA, cred, after)
	sock.awaitCancelled(t, after)
	tasks.awaitTask(t, "REMOVED", after)
	t.Logf("cancellation through A seen on B, on the same socket, after %s", time.Since(began).Round(time.Millisecond))

	// The same socket still answers, no notification arrives twice, and each question ends
	// in its real state.
	sock.query(t, "me", `{ me { id } }`)
	sock.await(t, "a query on the socket after the outage", func(ms []mpMessage) bool {
		return slices.ContainsFunc(ms, func(m mpMessage) bool {
			return m.ID == "me" && m.Type == "next" && bytes.Contains(m.Payload, []byte(client.User.ID))
		})
	})
	time.Sleep(3 * time.Second)
	sock.requireNoDuplicates(t, questions)
	tasks.requireEachTaskChangeOnce(t, questions)
	streamed := sock.notificationIDs(t)
	stored := mpStoredNotifications(t, onA, cred, start)
	if !slices.Equal(streamed, stored) {
		t.Errorf("notificationAdded on B delivered %d notifications %v; the database has %d after the cursor: %v",
			len(streamed), streamed, len(stored), stored)
	}
}

// followQuestions subscribes to questionUpdated of each question and waits until B has
// shared subscribers in all (they send nothing until the question changes, and B counts
// them once their bus subscription is live).
func (s *mpSocket) followQuestions(t *testing.T, ts *testServer, questions []string, shared int) {
	t.Helper()
	for _, id := range questions {
		s.subscribe(t, "q:"+id, `subscription($id: ID!) { questionUpdated(id: $id) { id status } }`, map[string]any{"id": id})
	}
	s.await(t, "B's questionUpdated subscriptions live", func([]mpMessage) bool {
		return mpGauge(t, ts, "websocket_shared_subscribers") >= float64(shared)
	})
}

// mpExpert registers an expert of qfSubject and has an admin (made in the database)
// approve them; it returns the expert's session after the approval.
func mpExpert(t *testing.T, on *api, databaseURL string) tokens {
	t.Helper()
	admin := on.makeAdmin(t, databaseURL, on.register(t, uniqueEmail("mpadmin")).User.Email)
	email := uniqueEmail("mpexpert")
	var reg struct{ Register tokens }
	on.ok(t, "", registerMutation, map[string]any{"in": map[string]any{"email": email, "password": testPassword,
		"displayName": "Expert", "expert": map[string]any{"subjects": []string{qfSubject}, "bio": "Teaches physics."}}}, &reg)
	on.ok(t, bearer(admin.AccessToken), `mutation($id: ID!) { approveExpert(userId: $id) { expertStatus } }`,
		map[string]any{"id": reg.Register.User.ID}, nil)
	return on.login(t, email, testPassword)
}

// mpTask is one taskQueueChanged event.
type mpTask struct{ Change, QuestionID string }

// tasksOf lists the taskQueueChanged events delivered on subscription "tasks".
func tasksOf(t *testing.T, msgs []mpMessage) []mpTask {
	t.Helper()
	var out []mpTask
	for _, m := range msgs {
		if m.ID != "tasks" || m.Type != "next" {
			continue
		}
		var p struct {
			Data struct{ TaskQueueChanged mpTask }
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatalf("taskQueueChanged payload %s: %v", m.Payload, err)
		}
		out = append(out, p.Data.TaskQueueChanged)
	}
	return out
}

// awaitTask waits for the queue change of question id.
func (s *mpSocket) awaitTask(t *testing.T, change, id string) {
	t.Helper()
	s.await(t, "taskQueueChanged "+change+" "+id, func(ms []mpMessage) bool {
		return slices.Contains(tasksOf(t, ms), mpTask{Change: change, QuestionID: id})
	})
}

// requireEachTaskChangeOnce checks that each question was added once, then removed once.
func (s *mpSocket) requireEachTaskChangeOnce(t *testing.T, questions []string) {
	t.Helper()
	got := map[string][]string{}
	for _, e := range tasksOf(t, s.snapshot()) {
		got[e.QuestionID] = append(got[e.QuestionID], e.Change)
	}
	for _, id := range questions {
		if !slices.Equal(got[id], []string{"ADDED", "REMOVED"}) {
			t.Errorf("taskQueueChanged of %s delivered %v, want ADDED then REMOVED", id, got[id])
		}
	}
}

// mpBuyCredits buys credits for the client (the development provider completes at once).
func mpBuyCredits(t *testing.T, on *api, cred string, credits int) {
	t.Helper()
	var out struct{ BuyCredits struct{ Status string } }
	on.ok(t, cred, `mutation($c: Int!, $k: String!) { buyCredits(credits: $c, idempotencyKey: $k) { status } }`,
		map[string]any{"c": credits, "k": uuid.NewString()}, &out)
	if out.BuyCredits.Status != "COMPLETED" {
		t.Fatalf("buyCredits: status %s", out.BuyCredits.Status)
	}
}

// mpSubmit submits a question as the client and returns its id.
func mpSubmit(t *testing.T, on *api, cred string) string {
	t.Helper()
	var out struct{ SubmitQuestion struct{ ID string } }
	on.ok(t, cred, `mutation($in: SubmitQuestionInput!) { submitQuestion(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"subject": qfSubject, "title": "Why is the sky blue?",
			"body": "Explain Rayleigh scattering.", "urgency": "NORMAL", "idempotencyKey": uuid.NewString()}}, &out)
	return out.SubmitQuestion.ID
}

// mpCancel cancels the client's question.
func mpCancel(t *testing.T, on *api, cred, id string) {
	t.Helper()
	var out struct{ CancelQuestion struct{ Status string } }
	on.ok(t, cred, `mutation($id: ID!) { cancelQuestion(id: $id) { status } }`, map[string]any{"id": id}, &out)
	if out.CancelQuestion.Status != "CANCELLED" {
		t.Fatalf("cancelQuestion: status %s", out.CancelQuestion.Status)
	}
}

// mpAwaitStatus polls the question until it has status; the route job moves it on.
func mpAwaitStatus(t *testing.T, on *api, cred, id, status string) {
	t.Helper()
	waitFor(t, mpEventLimit, "question "+id+" "+status, func() bool {
		var out struct{ Question struct{ Status string } }
		on.ok(t, cred, `query($id: ID!) { question(id: $id) { status } }`, map[string]any{"id": id}, &out)
		return out.Question.Status == status
	})
}

// mpGauge reads one unlabelled metric of /metrics.
func mpGauge(t *testing.T, ts *testServer, name string) float64 {
	t.Helper()
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %q", name, v)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

// mpStoredNotifications lists the viewer's notifications made after start, oldest first.
func mpStoredNotifications(t *testing.T, on *api, cred string, start uuid.UUID) []string {
	t.Helper()
	var out struct {
		Notifications struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	on.ok(t, cred, `{ notifications(first: 100) { edges { node { id } } } }`, nil, &out)
	var ids []string
	for _, e := range slices.Backward(out.Notifications.Edges) {
		if id := azUUID(t, e.Node.ID); bytes.Compare(id[:], start[:]) > 0 {
			ids = append(ids, e.Node.ID)
		}
	}
	return ids
}

// mpMessage is one message the server sent on the socket.
type mpMessage struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// mpSocket reads every message of one graphql-transport-ws connection in the background,
// so that the test can wait for the events of several subscriptions and count them all.
type mpSocket struct {
	conn *websocket.Conn

	mu      sync.Mutex
	msgs    []mpMessage
	err     error           // why reading stopped
	wake    chan struct{}   // closed and replaced at each message
	queries map[string]bool // operations that end once answered
}

// mpListen opens an authenticated socket to ts and starts reading it.
func mpListen(t *testing.T, ts *testServer, token string) *mpSocket {
	t.Helper()
	s := &mpSocket{conn: wsAuthed(t, ts, token), wake: make(chan struct{}), queries: map[string]bool{}}
	_ = s.conn.SetReadDeadline(time.Time{})
	go s.read()
	t.Cleanup(func() {
		if t.Failed() {
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, m := range s.msgs {
				t.Logf("socket got %s %s %s", m.ID, m.Type, m.Payload)
			}
		}
	})
	return s
}

func (s *mpSocket) read() {
	for {
		var m mpMessage
		err := s.conn.ReadJSON(&m)
		s.mu.Lock()
		if err != nil {
			s.err = err
		} else if m.Type != "ping" && m.Type != "pong" {
			s.msgs = append(s.msgs, m)
		}
		close(s.wake)
		s.wake = make(chan struct{})
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// subscribe starts the operation id on the socket.
func (s *mpSocket) subscribe(t *testing.T, id, query string, vars map[string]any) {
	t.Helper()
	mustWriteJSON(t, s.conn, map[string]any{"id": id, "type": "subscribe",
		"payload": map[string]any{"query": query, "variables": vars}})
}

// query runs a query as operation id, which completes once answered.
func (s *mpSocket) query(t *testing.T, id, query string) {
	t.Helper()
	s.mu.Lock()
	s.queries[id] = true
	s.mu.Unlock()
	s.subscribe(t, id, query, nil)
}

// snapshot copies the messages so far.
func (s *mpSocket) snapshot() []mpMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// await waits until ok holds for the messages so far, asking again at each message and
// every 100 ms. A socket that ends, or a subscription the server ends or refuses, fails
// the test at once.
func (s *mpSocket) await(t *testing.T, what string, ok func([]mpMessage) bool) {
	t.Helper()
	deadline := time.After(mpEventLimit)
	for {
		s.mu.Lock()
		msgs, err, wake, queries := slices.Clone(s.msgs), s.err, s.wake, maps.Clone(s.queries)
		s.mu.Unlock()
		if ok(msgs) {
			return
		}
		for _, m := range msgs {
			if !queries[m.ID] && (m.Type == "error" || m.Type == "complete" || bytes.Contains(m.Payload, []byte(`"errors"`))) {
				t.Fatalf("waiting for %s: the server ended or refused subscription %s: %s %s", what, m.ID, m.Type, m.Payload)
			}
		}
		if err != nil {
			t.Fatalf("waiting for %s: the socket to B ended: %v", what, err)
		}
		select {
		case <-wake:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("waited %s for %s; the socket got %d messages", mpEventLimit, what, len(msgs))
		}
	}
}

// notificationsOf decodes the notifications delivered on subscription "n".
func notificationsOf(t *testing.T, msgs []mpMessage) []nfNotification {
	t.Helper()
	var out []nfNotification
	for _, m := range msgs {
		if m.ID != "n" || m.Type != "next" {
			continue
		}
		var p struct {
			Data struct{ NotificationAdded nfNotification }
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil || p.Data.NotificationAdded.ID == "" {
			t.Fatalf("notificationAdded payload %s: %v", m.Payload, err)
		}
		out = append(out, p.Data.NotificationAdded)
	}
	return out
}

// statesOf lists the statuses delivered on the questionUpdated subscription of id.
func statesOf(t *testing.T, msgs []mpMessage, id string) []string {
	t.Helper()
	var out []string
	for _, m := range msgs {
		if m.ID != "q:"+id || m.Type != "next" {
			continue
		}
		var p struct {
			Data struct{ QuestionUpdated struct{ ID, Status string } }
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil || p.Data.QuestionUpdated.ID != id {
			t.Fatalf("questionUpdated payload %s: %v", m.Payload, err)
		}
		out = append(out, p.Data.QuestionUpdated.Status)
	}
	return out
}

// awaitNotification waits for the QUESTION_UPDATED notification of question id at status.
func (s *mpSocket) awaitNotification(t *testing.T, id, status string) {
	t.Helper()
	s.await(t, "the notification of question "+id+" "+status, func(ms []mpMessage) bool {
		return slices.ContainsFunc(notificationsOf(t, ms), func(n nfNotification) bool {
			return n.Kind == "QUESTION_UPDATED" && n.Payload["questionId"] == id && n.Payload["status"] == status
		})
	})
}

// awaitCancelled waits for the cancellation of question id: its notification and its
// questionUpdated event.
func (s *mpSocket) awaitCancelled(t *testing.T, id string) {
	t.Helper()
	s.awaitNotification(t, id, "CANCELLED")
	s.await(t, "questionUpdated of "+id+" CANCELLED", func(ms []mpMessage) bool {
		return slices.Contains(statesOf(t, ms, id), "CANCELLED")
	})
}

// requireNoDuplicates checks that no notification came twice and that each question's
// stream ends with its cancellation.
func (s *mpSocket) requireNoDuplicates(t *testing.T, questions []string) {
	t.Helper()
	msgs := s.snapshot()
	seen := map[string]int{}
	for _, n := range notificationsOf(t, msgs) {
		if seen[n.ID]++; seen[n.ID] == 2 {
			t.Errorf("notification %s (%s %v) delivered more than once", n.ID, n.Kind, n.Payload)
		}
	}
	// questionUpdated is a live view: after the Redis restart each follower reads its
	// question again (the bus may have lost a change), so a state may come twice, but
	// only real states, and the last one is the question's.
	for _, id := range questions {
		got := statesOf(t, msgs, id)
		if len(got) == 0 || got[len(got)-1] != "CANCELLED" {
			t.Errorf("questionUpdated of %s delivered %v, want it to end with CANCELLED", id, got)
		}
		for _, st := range got {
			if st != "CANCELLED" && st != "AWAITING_EXPERT" {
				t.Errorf("questionUpdated of %s delivered %v: %s is no state it was in", id, got, st)
			}
		}
	}
}

// notificationIDs lists the ids delivered on subscription "n", in order.
func (s *mpSocket) notificationIDs(t *testing.T) []string {
	t.Helper()
	msgs := s.snapshot()
	var ids []string
	for _, n := range notificationsOf(t, msgs) {
		ids = append(ids, n.ID)
	}
	return ids
}
