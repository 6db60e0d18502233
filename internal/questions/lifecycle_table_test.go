package questions

import (
	"errors"
	"slices"
	"testing"

	"backbone/ent/question"
	"backbone/internal/errs"
)

// allStatuses are the values of the status enum, in lifecycle order.
var allStatuses = []question.Status{
	question.StatusSUBMITTED, question.StatusDRAFTING, question.StatusREWRITING, question.StatusCHECKING,
	question.StatusAWAITING_EXPERT, question.StatusCLAIMED, question.StatusDELIVERED, question.StatusREVISION_REQUESTED,
	question.StatusACCEPTED, question.StatusDISPUTED, question.StatusRESOLVED, question.StatusCANCELLED,
	question.StatusDECLINED, question.StatusEXPIRED,
}

var allActors = map[actor]string{byClient: "client", byExpert: "expert", byAdmin: "admin", bySystem: "system"}

// TestLifecycleTable checks every row of the table against the lifecycle written out
// here (from, action, to, who), and that step allows exactly those: every other
// status answers CONFLICT with that status, every other actor FORBIDDEN.
func TestLifecycleTable(t *testing.T) {
	const (
		S  = question.StatusSUBMITTED
		D  = question.StatusDRAFTING
		RW = question.StatusREWRITING
		CH = question.StatusCHECKING
		AW = question.StatusAWAITING_EXPERT
		CL = question.StatusCLAIMED
		DL = question.StatusDELIVERED
		RR = question.StatusREVISION_REQUESTED
	)
	want := []struct {
		from []question.Status
		act  action
		to   question.Status
		by   []actor
	}{
		{[]question.Status{S}, actStartPipeline, D, []actor{bySystem}},
		{[]question.Status{D}, actDrafted, RW, []actor{bySystem}},
		{[]question.Status{RW}, actRewritten, CH, []actor{bySystem}},
		{[]question.Status{CH}, actChecked, AW, []actor{bySystem}},
		{[]question.Status{S, D, RW, CH}, actSkipPipeline, AW, []actor{bySystem}},
		{[]question.Status{S, D, RW, CH}, actFailPipeline, AW, []actor{bySystem}},
		{[]question.Status{S}, actRoute, AW, []actor{bySystem}},
		{[]question.Status{AW}, actRetryDraft, D, []actor{byAdmin}},
		{[]question.Status{AW}, actRetryRewrite, RW, []actor{byAdmin}},
		{[]question.Status{AW}, actRetryCheck, CH, []actor{byAdmin}},
		{[]question.Status{S, D, RW, CH, AW}, actCancel, question.StatusCANCELLED, []actor{byClient}},
		{[]question.Status{AW}, actClaim, CL, []actor{byExpert}},
		{[]question.Status{AW, CL}, actAssign, CL, []actor{byAdmin}},
		{[]question.Status{CL}, actUnassign, AW, []actor{byAdmin}},
		{[]question.Status{CL}, actRequeue, AW, []actor{byExpert, bySystem}},
		{[]question.Status{CL, RR}, actDropRevision, DL, []actor{byExpert, bySystem, byAdmin}},
		{[]question.Status{CL, RR}, actDeliver, DL, []actor{byExpert}},
		{[]question.Status{AW, CL, RR}, actDecline, question.StatusDECLINED, []actor{byExpert}},
		{[]question.Status{DL}, actRequestRevision, RR, []actor{byClient}},
		{[]question.Status{DL}, actAccept, question.StatusACCEPTED, []actor{byClient, bySystem}},
		{[]question.Status{DL}, actDispute, question.StatusDISPUTED, []actor{byClient}},
		{[]question.Status{question.StatusDISPUTED}, actResolve, question.StatusRESOLVED, []actor{byAdmin}},
		{[]question.Status{AW}, actExpire, question.StatusEXPIRED, []actor{bySystem}},
	}
	if len(want) != len(lifecycle) {
		t.Fatalf("the table has %d rows, the lifecycle %d", len(lifecycle), len(want))
	}
	for _, w := range want {
		row, ok := lifecycle[w.act]
		if !ok {
			t.Errorf("%s: not in the table", w.act)
			continue
		}
		if row.to != w.to || !sameStates(row.from, w.from) {
			t.Errorf("%s: %v -> %s, want %v -> %s", w.act, row.from, row.to, w.from, w.to)
		}
		for a, name := range allActors {
			for _, st := range allStatuses {
				got, err := step(w.act, a, st)
				switch {
				case !slices.Contains(w.by, a):
					wantErr(t, err, errs.Forbidden, "")
				case !slices.Contains(w.from, st):
					wantErr(t, err, errs.Conflict, st)
				case err != nil || got.to != w.to:
					t.Errorf("%s by %s from %s: %v, %v; want to %s", w.act, name, st, got.to, err, w.to)
				}
			}
		}
	}
}

func sameStates(a, b []question.Status) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(s question.Status) bool { return !slices.Contains(b, s) })
}

func wantErr(t *testing.T, err error, code errs.Code, status question.Status) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error %v, want %s", err, code)
	}
	if code == errs.Conflict && (e.Extensions["status"] != string(status) || e.Message == "") {
		t.Fatalf("conflict %v: extensions %v, want status %s and a message", err, e.Extensions, status)
	}
}

// TestLifecycleRefusesWhatIsNotInTheTable: an action the table does not list is
// refused as a programming error, whoever asks, from any status.
func TestLifecycleRefusesWhatIsNotInTheTable(t *testing.T) {
	for _, act := range []action{"", "reopen", "start_revision"} {
		for a := range allActors {
			for _, st := range allStatuses {
				_, err := step(act, a, st)
				wantErr(t, err, errs.Internal, "")
			}
		}
	}
}

// TestLifecycleShape: every status but SUBMITTED (made by submitQuestion) is entered by
// some action, every status a row leaves from is one of the enum's, and the final
// statuses are left by none.
func TestLifecycleShape(t *testing.T) {
	entered, left := map[question.Status]bool{}, map[question.Status]bool{}
	for act, row := range lifecycle {
		entered[row.to] = true
		for _, st := range row.from {
			if question.StatusValidator(st) != nil {
				t.Errorf("%s leaves from %q, not a status", act, st)
			}
			left[st] = true
		}
	}
	final := []question.Status{question.StatusACCEPTED, question.StatusRESOLVED, question.StatusCANCELLED,
		question.StatusDECLINED, question.StatusEXPIRED}
	for _, st := range allStatuses {
		if question.StatusValidator(st) != nil {
			t.Fatalf("%s is not a status", st)
		}
		if st != question.StatusSUBMITTED && !entered[st] {
			t.Errorf("no action enters %s", st)
		}
		if isFinal := slices.Contains(final, st); isFinal == left[st] {
			t.Errorf("%s: final %v, but left by an action: %v", st, isFinal, left[st])
		}
	}
	if !slices.Equal(beforeQueue, lifecycle[actFailPipeline].from) || !slices.Equal(held, lifecycle[actDeliver].from) {
		t.Errorf("the named sets drifted from their rows: beforeQueue %v, held %v", beforeQueue, held)
	}
}
