package main

import (
	"testing"
	"time"
)

// lvQuestion is a Question as the live tests read it.
type lvQuestion struct {
	ID, Status string
	Answer     *struct{ Body string }
	Client     struct{ ID string }
	Expert     *struct{ ID string }
}

const lvQuestionUpdated = `subscription($id: ID!) { questionUpdated(id: $id) { id status answer { body } client { id } expert { id } } }`

func TestLiveQuestionUpdatedReachesItsClientItsExpertAndAdminsOnly(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	client, admin := w.callers[azClient], w.callers[azAdmin]
	expert := w.qfExpert(t)
	id := w.qfClaimed(t, client, expert)
	vars := map[string]any{"id": id}
	streams := []*lvStream{
		lvSubscribe(t, w, client.Token, lvQuestionUpdated, vars),
		lvSubscribe(t, w, expert.Token, lvQuestionUpdated, vars),
		lvSubscribe(t, w, admin.Token, lvQuestionUpdated, vars),
	}
	for _, c := range []azCaller{azClient2, azPending, azExpert} {
		if code := lvSubscribe(t, w, w.callers[c].Token, lvQuestionUpdated, vars).refused(t); code != "NOT_FOUND" {
			t.Errorf("%s: %s, want NOT_FOUND", c, code)
		}
	}
	lvWarm(t, func() {
		var out struct{ ExtendLease struct{ ID string } }
		w.mustGQL(t, expert.Token, `mutation($id: ID!) { extendLease(id: $id) { id } }`, vars, &out)
	}, streams...)
	for _, s := range streams { // the other extensions of the warm-up
		for {
			if _, ok := s.within(300 * time.Millisecond); !ok {
				break
			}
		}
	}

	// The answer is in the event: each event reads the question and its answer afresh.
	w.qfAnswer(t, expert, id, "Shorter wavelengths scatter more.")
	for i, s := range streams {
		var got struct{ QuestionUpdated lvQuestion }
		s.event(t, &got)
		q := got.QuestionUpdated
		if q.ID != id || q.Status != "DELIVERED" || q.Answer == nil || q.Answer.Body != "Shorter wavelengths scatter more." ||
			q.Client.ID != client.ID || q.Expert == nil || q.Expert.ID != expert.ID {
			t.Errorf("subscriber %d got %+v", i, q)
		}
	}
}

func TestLiveQuestionUpdatedEndsForAnExpertWhoReleasesTheQuestion(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	client := w.callers[azClient]
	expert := w.qfExpert(t)
	id := w.qfClaimed(t, client, expert)
	vars := map[string]any{"id": id}
	forClient := lvSubscribe(t, w, client.Token, lvQuestionUpdated, vars)
	forExpert := lvSubscribe(t, w, expert.Token, lvQuestionUpdated, vars)
	lvWarm(t, func() {
		var out struct{ ExtendLease struct{ ID string } }
		w.mustGQL(t, expert.Token, `mutation($id: ID!) { extendLease(id: $id) { id } }`, vars, &out)
	}, forClient, forExpert)

	var out struct{ ReleaseTask struct{ Status string } }
	w.mustGQL(t, expert.Token, `mutation($id: ID!) { releaseTask(id: $id) { status } }`, vars, &out)
	for {
		m := forExpert.next(t)
		if m.Type == "complete" {
			break
		}
		var got struct{ QuestionUpdated lvQuestion }
		if m.Type != "next" || jsonInto(m.Data, &got) != nil || got.QuestionUpdated.Status != "CLAIMED" {
			t.Fatalf("the expert got %s %v %s after the release", m.Type, m.Codes, m.Data)
		}
	}
	for {
		var got struct{ QuestionUpdated lvQuestion }
		forClient.event(t, &got)
		if got.QuestionUpdated.Status == "AWAITING_EXPERT" && got.QuestionUpdated.Expert == nil {
			break
		}
	}
}

// lvTask is a TaskQueueEvent as the tests read it.
type lvTask struct {
	Change, QuestionID, Subject string
	Title, Urgency, Deadline    *string
	Price                       *int
	At                          string
}

const lvTaskQueueChanged = `subscription { taskQueueChanged { change questionId subject title urgency price deadline at } }`

// lvTasksUntil reads queue changes until one is change of question id, and returns all read.
func lvTasksUntil(t *testing.T, s *lvStream, change, id string) []lvTask {
	t.Helper()
	var got []lvTask
	for {
		var e struct{ TaskQueueChanged lvTask }
		s.event(t, &e)
		got = append(got, e.TaskQueueChanged)
		if e.TaskQueueChanged.Change == change && e.TaskQueueChanged.QuestionID == id {
			return got
		}
	}
}

func TestLiveTaskQueueChangedReachesTheApprovedExpertsOfItsSubjectOnly(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	client := w.callers[azClient]
	physicist, chemist := w.qfExpert(t), w.qfExpertIn(t, "chemistry")
	for _, c := range []azCaller{azPending, azClient, azAdmin} {
		if code := lvSubscribe(t, w, w.callers[c].Token, lvTaskQueueChanged, nil).refused(t); code != "FORBIDDEN" {
			t.Errorf("%s: %s, want FORBIDDEN", c, code)
		}
	}
	forPhysicist := lvSubscribe(t, w, physicist.Token, lvTaskQueueChanged, nil)
	forChemist := lvSubscribe(t, w, chemist.Token, lvTaskQueueChanged, nil)
	lvWarm(t, func() {
		w.qfSubmitIn(t, client, "Physics")
		w.qfSubmitIn(t, client, "Chemistry")
	}, forPhysicist, forChemist)

	physics := w.qfSubmitIn(t, client, qfSubject)
	added := lvTasksUntil(t, forPhysicist, "ADDED", physics)
	e := added[len(added)-1]
	if e.Subject != qfSubject || e.Title == nil || *e.Title != "About Physics" || e.Urgency == nil || *e.Urgency != "NORMAL" ||
		e.Price == nil || *e.Price != qfPrice || e.Deadline == nil || e.At == "" {
		t.Errorf("added %+v", e)
	}
	w.qfAwait(t, client.Token, physics, "AWAITING_EXPERT")
	w.qfClaim(t, physicist, physics)
	removed := lvTasksUntil(t, forPhysicist, "REMOVED", physics)
	if e := removed[len(removed)-1]; e.Subject != qfSubject || e.Title != nil || e.Price != nil || e.At == "" {
		t.Errorf("removed %+v", e)
	}

	// The chemist saw neither: the next chemistry question comes before anything of physics.
	chemistry := w.qfSubmitIn(t, client, "Chemistry")
	for _, e := range lvTasksUntil(t, forChemist, "ADDED", chemistry) {
		if e.QuestionID == physics || e.Subject != "Chemistry" {
			t.Fatalf("the chemist got %+v", e)
		}
	}
	for _, e := range append(added, removed...) {
		if e.Subject != qfSubject {
			t.Fatalf("the physicist got %+v", e)
		}
	}
}

// A taskQueueChanged stream follows the subjects it was opened over: once the expert
// gives one up, it completes, and subscribing again follows the rest. Experts of the
// same subjects share one execution: one's change ends only their own stream, whether
// they lead the group or joined it.
func TestLiveTaskQueueChangedCompletesWhenTheExpertGivesUpASubject(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	client := w.callers[azClient]
	leader, expert, stays := w.qfExpertIn(t, "Physics", "Chemistry"), w.qfExpertIn(t, "Physics", "Chemistry"), w.qfExpertIn(t, "Physics", "Chemistry")
	led := lvSubscribe(t, w, leader.Token, lvTaskQueueChanged, nil)
	lvWarm(t, func() { w.qfSubmitIn(t, client, "Chemistry") }, led)
	stream := lvSubscribe(t, w, expert.Token, lvTaskQueueChanged, nil) // joins the leader's group
	member := lvSubscribe(t, w, stays.Token, lvTaskQueueChanged, nil)  // and so does this one
	lvWarm(t, func() { w.qfSubmitIn(t, client, "Chemistry") }, stream, member)
	var removed struct {
		RemoveSubjects struct{ ExpertSubjects []string }
	}
	w.mustGQL(t, expert.Token, `mutation { removeSubjects(subjects: ["Physics"]) { expertSubjects } }`, nil, &removed)
	if got := removed.RemoveSubjects.ExpertSubjects; len(got) != 1 || got[0] != "Chemistry" {
		t.Fatalf("subjects %v", got)
	}
	lvUntilComplete(t, stream)
	// The leader's stream goes on.
	lvTasksUntil(t, led, "ADDED", w.qfSubmitIn(t, client, "Physics"))

	again := lvSubscribe(t, w, expert.Token, lvTaskQueueChanged, nil)
	lvWarm(t, func() { w.qfSubmitIn(t, client, "Chemistry") }, again)
	physics := w.qfSubmitIn(t, client, "Physics")
	chemistry := w.qfSubmitIn(t, client, "Chemistry")
	for _, e := range lvTasksUntil(t, again, "ADDED", chemistry) {
		if e.QuestionID == physics || e.Subject != "Chemistry" {
			t.Fatalf("after giving up Physics: %+v", e)
		}
	}

	// An admin approving more subjects ends it too.
	var asked struct{ RequestSubjects struct{ ID string } }
	w.mustGQL(t, expert.Token, `mutation { requestSubjects(subjects: ["Physics"]) { id } }`, nil, &asked)
	var decided struct{ DecideSubjectRequest struct{ Status string } }
	w.mustGQL(t, w.callers[azAdmin].Token, `mutation($id: ID!) { decideSubjectRequest(id: $id, approve: true) { status } }`,
		map[string]any{"id": asked.RequestSubjects.ID}, &decided)
	lvUntilComplete(t, again)

	// The leader giving one up ends its own stream, and an event stream ends as well.
	sse, res := sseOpen(t, w, leader.Token, lvTaskQueueChanged, nil)
	if sse == nil {
		t.Fatalf("event stream: status %d", res.StatusCode)
	}
	w.mustGQL(t, leader.Token, `mutation { removeSubjects(subjects: ["Chemistry"]) { expertSubjects } }`, nil, &removed)
	lvUntilComplete(t, led)
	for kind, _ := sse.event(t); kind != "complete"; kind, _ = sse.event(t) {
	}
	// The member whose subjects did not change goes on, the leader gone.
	lvTasksUntil(t, member, "ADDED", w.qfSubmitIn(t, client, "Chemistry"))
}

// lvUntilComplete reads events until the stream completes.
func lvUntilComplete(t *testing.T, s *lvStream) {
	t.Helper()
	for m := s.next(t); m.Type != "complete"; m = s.next(t) {
		if m.Type != "next" { // events sent before the change may come first
			t.Fatalf("want the stream to complete, got %s %v %s", m.Type, m.Codes, m.Data)
		}
	}
}

// A subscription selects one root field: two under aliases, directly or through a
// fragment, are refused as invalid, like two of different names (they reached the
// executor, which answered INTERNAL).
func TestLiveSubscriptionsOfTwoRootFieldsAreInvalid(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	for _, op := range []string{
		`subscription { a: platformStats { at } b: platformStats { at } }`,
		`subscription S { a: platformStats { at } ...F } fragment F on Subscription { b: platformStats { queueDepth } }`,
		`subscription { platformStats { at } notificationAdded { id } }`,
	} {
		if code := lvSubscribe(t, w, w.callers[azAdmin].Token, op, nil).refused(t); code != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("%s: %s", op, code)
		}
	}
	// One field under an alias, twice under the same one, is one field.
	s := lvSubscribe(t, w, w.callers[azAdmin].Token, `subscription { a: platformStats { at } a: platformStats { at } }`, nil)
	var first struct{ A lvStats }
	s.event(t, &first)
}

// lvStats is PlatformStats as the tests read it.
type lvStats struct {
	QueueDepth, ExpertsOnline int
	QuestionsByStatus         []struct {
		Status string
		Count  int
	}
	At string
}

func (s lvStats) count(status string) int {
	for _, c := range s.QuestionsByStatus {
		if c.Status == status {
			return c.Count
		}
	}
	return 0
}

func TestLivePlatformStatsChangeWhenAQuestionIsSubmitted(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	client, admin := w.callers[azClient], w.callers[azAdmin]
	const op = `subscription { platformStats { queueDepth expertsOnline questionsByStatus { status count } at } }`
	for _, c := range []azCaller{azClient, azClient2} {
		if code := lvSubscribe(t, w, w.callers[c].Token, op, nil).refused(t); code != "FORBIDDEN" {
			t.Errorf("%s: %s, want FORBIDDEN", c, code)
		}
	}
	stats := lvSubscribe(t, w, admin.Token, op, nil)
	var first struct{ PlatformStats lvStats }
	stats.event(t, &first) // at once
	before := first.PlatformStats
	if before.At == "" || before.QueueDepth != 0 || before.ExpertsOnline != 0 || len(before.QuestionsByStatus) != 0 {
		t.Fatalf("first stats %+v", before)
	}

	id := w.qfSubmitIn(t, client, qfSubject)
	w.qfAwait(t, client.Token, id, "AWAITING_EXPERT")
	for {
		var got struct{ PlatformStats lvStats }
		stats.event(t, &got)
		if s := got.PlatformStats; s.QueueDepth == 1 && s.count("AWAITING_EXPERT") == 1 {
			break
		}
	}

	// An approved expert's socket counts as online while it is open.
	conn := wsAuthed(t, w.ts, w.callers[azExpert].Token)
	for {
		var got struct{ PlatformStats lvStats }
		stats.event(t, &got)
		if got.PlatformStats.ExpertsOnline == 1 {
			break
		}
	}
	_ = conn.Close()
	awaitOnline := func(want int) {
		t.Helper()
		for {
			var got struct{ PlatformStats lvStats }
			stats.event(t, &got)
			if got.PlatformStats.ExpertsOnline == want {
				return
			}
		}
	}
	awaitOnline(0)

	// So does an expert's event stream, for clients that cannot open a websocket.
	stream, res := sseOpen(t, w, w.callers[azExpert].Token, `subscription { taskQueueChanged { change } }`, nil)
	if stream == nil {
		t.Fatalf("event stream refused: %d", res.StatusCode)
	}
	awaitOnline(1)
	_ = stream.res.Body.Close()
	awaitOnline(0)
}
