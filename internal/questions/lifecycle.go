package questions

import (
	"slices"
	"strings"

	"backbone/ent/question"
	"backbone/internal/errs"
)

// The question lifecycle, in one table (lifecycle, below): every change of a question's
// status names its action, asks the table whether the action is allowed from the status
// it read and for whom it acts, and guards its conditional UPDATE with the action's
// source states (and the status read, for decidedOnRead), so that of two racing changes
// exactly one wins (transit, setStatus).
//
// In short: the AI stages (SUBMITTED, DRAFTING, REWRITING, CHECKING) lead to the
// experts' queue (AWAITING_EXPERT); a claim (CLAIMED) ends in a delivery (DELIVERED),
// then ACCEPTED, DISPUTED then RESOLVED, or REVISION_REQUESTED. REVISION_REQUESTED is a
// revision the question's expert holds under a new claim and a fresh lease until they
// deliver it (DELIVERED again); releasing it, or the lease running out, gives the
// client back the answer already delivered (DELIVERED). CANCELLED, DECLINED and EXPIRED
// end a question before delivery, refunded.

// action names one transition of a question's status.
type action string

// The actions, in lifecycle order.
const (
	actStartPipeline   action = "start_pipeline"   // the draft stage begins
	actDrafted         action = "drafted"          // the draft stage finished
	actRewritten       action = "rewritten"        // the rewrite stage finished
	actChecked         action = "checked"          // the originality check finished: to the experts
	actSkipPipeline    action = "skip_pipeline"    // the AI stages are skipped (off, no provider, budget)
	actFailPipeline    action = "fail_pipeline"    // an AI stage gave up or stalled
	actRoute           action = "route"            // the AI is off: straight to the experts
	actRetryDraft      action = "retry_draft"      // an admin runs the AI stages again from the draft
	actRetryRewrite    action = "retry_rewrite"    // ... from the rewrite
	actRetryCheck      action = "retry_check"      // ... from the originality check
	actCancel          action = "cancel"           // the client withdraws the question
	actClaim           action = "claim"            // an expert takes an open question
	actAssign          action = "assign"           // an admin gives the question to an expert
	actUnassign        action = "unassign"         // an admin puts a held question back in the queue
	actRequeue         action = "requeue"          // a first claim ends unanswered (released, lease expired)
	actDropRevision    action = "drop_revision"    // a revision claim ends undelivered (released, lease expired, ended by an admin): the last answer stands
	actDeliver         action = "deliver"          // the expert delivers an answer (a first one or a revision)
	actDecline         action = "decline"          // the expert declines the question: refunded
	actRequestRevision action = "request_revision" // the client sends the answer back to its expert
	actAccept          action = "accept"           // the answer is accepted (by the client, or automatically)
	actDispute         action = "dispute"          // the client contests the answer
	actResolve         action = "resolve"          // an admin settles the dispute
	actExpire          action = "expire"           // the deadline passed with no expert: refunded
)

// actor is who performs an action; a transition lists those who may.
type actor uint8

const (
	byClient actor = 1 << iota
	byExpert
	byAdmin
	bySystem // the service's own work: jobs, sweeps
)

// transition is one row of the lifecycle: action moves a question from one of from to
// to, done by one of by; refusal is the CONFLICT message when the status is not in from.
type transition struct {
	from    []question.Status
	to      question.Status
	by      actor
	refusal string
}

// Named sets of states, used by several rows and by the checks around them.
var (
	// beforeQueue: the AI pipeline still holds the question; no expert can have seen it.
	beforeQueue = []question.Status{question.StatusSUBMITTED, question.StatusDRAFTING, question.StatusREWRITING, question.StatusCHECKING}
	// held: an expert holds the question under an active claim and may deliver.
	held = []question.Status{question.StatusCLAIMED, question.StatusREVISION_REQUESTED}
)

// The CONFLICT messages shared by several rows.
const (
	refusedHeld     = "this question is no longer claimed"
	refusedOpen     = "this question is no longer open"
	refusedRetry    = "only a question waiting for an expert can run its AI stages again"
	refusedReassign = "only a question waiting for an expert or claimed can be reassigned"
)

// lifecycle is the table: action -> {from, to, who, refusal}. A status change not
// listed here does not happen.
var lifecycle = map[action]transition{
	actStartPipeline: {states(question.StatusSUBMITTED), question.StatusDRAFTING, bySystem, ""},
	actDrafted:       {states(question.StatusDRAFTING), question.StatusREWRITING, bySystem, ""},
	actRewritten:     {states(question.StatusREWRITING), question.StatusCHECKING, bySystem, ""},
	actChecked:       {states(question.StatusCHECKING), question.StatusAWAITING_EXPERT, bySystem, ""},
	actSkipPipeline:  {beforeQueue, question.StatusAWAITING_EXPERT, bySystem, ""},
	actFailPipeline:  {beforeQueue, question.StatusAWAITING_EXPERT, bySystem, ""},
	actRoute:         {states(question.StatusSUBMITTED), question.StatusAWAITING_EXPERT, bySystem, ""},
	actRetryDraft:    {states(question.StatusAWAITING_EXPERT), question.StatusDRAFTING, byAdmin, refusedRetry},
	actRetryRewrite:  {states(question.StatusAWAITING_EXPERT), question.StatusREWRITING, byAdmin, refusedRetry},
	actRetryCheck:    {states(question.StatusAWAITING_EXPERT), question.StatusCHECKING, byAdmin, refusedRetry},
	actCancel: {append(slices.Clone(beforeQueue), question.StatusAWAITING_EXPERT), question.StatusCANCELLED, byClient,
		"only a question no expert has claimed can be cancelled"},
	actClaim: {states(question.StatusAWAITING_EXPERT), question.StatusCLAIMED, byExpert, refusedOpen},
	// A revision is not reassigned: its answer and its pay are its expert's (an admin ends
	// it with actDropRevision instead).
	actAssign:   {states(question.StatusAWAITING_EXPERT, question.StatusCLAIMED), question.StatusCLAIMED, byAdmin, refusedReassign},
	actUnassign: {states(question.StatusCLAIMED), question.StatusAWAITING_EXPERT, byAdmin, refusedReassign},
	actRequeue:  {states(question.StatusCLAIMED), question.StatusAWAITING_EXPERT, byExpert | bySystem, refusedHeld},
	// From CLAIMED as well: a revision reassigned before revisions stayed with their
	// expert is CLAIMED with its answer.
	actDropRevision: {held, question.StatusDELIVERED, byExpert | bySystem | byAdmin, refusedHeld},
	actDeliver:      {held, question.StatusDELIVERED, byExpert, refusedHeld},
	actDecline: {states(question.StatusAWAITING_EXPERT, question.StatusCLAIMED, question.StatusREVISION_REQUESTED), question.StatusDECLINED, byExpert,
		"only an open or claimed question can be declined"},
	actRequestRevision: {states(question.StatusDELIVERED), question.StatusREVISION_REQUESTED, byClient, "only a delivered answer can be revised"},
	actAccept:          {states(question.StatusDELIVERED), question.StatusACCEPTED, byClient | bySystem, "only a delivered answer can be accepted"},
	actDispute:         {states(question.StatusDELIVERED), question.StatusDISPUTED, byClient, "only a delivered answer can be disputed"},
	actResolve:         {states(question.StatusDISPUTED), question.StatusRESOLVED, byAdmin, "only a disputed question can be resolved"},
	actExpire:          {states(question.StatusAWAITING_EXPERT), question.StatusEXPIRED, bySystem, ""},
}

// decidedOnRead are the actions that do different things from different source states
// (a decline from the queue ends no claim; from a held state it ends the expert's own).
// Their UPDATE is guarded by the status read as well, so that they never land on another
// of their sources the question reached meanwhile (a decline decided on a queued question
// must not close the claim another expert made since). The others are guarded by their
// sources alone: a cancel decided on SUBMITTED is as good on AWAITING_EXPERT.
var decidedOnRead = map[action]bool{actDecline: true}

// states lists the source states of a row.
func states(s ...question.Status) []question.Status { return s }

// step looks act up for by from status: the row when allowed; INTERNAL for an action
// not in the table, FORBIDDEN for an actor the row does not list, CONFLICT (with the
// current status) when status is not one of the row's sources.
func step(act action, by actor, status question.Status) (transition, error) {
	t, ok := lifecycle[act]
	switch {
	case !ok:
		return t, errs.Ef(errs.Internal, "no question transition %q", act)
	case t.by&by == 0:
		return t, errs.Ef(errs.Forbidden, "you may not %s this question", strings.ReplaceAll(string(act), "_", " "))
	case !slices.Contains(t.from, status):
		return t, conflict(status, t.refused())
	}
	return t, nil
}

// refused is the message of a CONFLICT on t.
func (t transition) refused() string {
	if t.refusal == "" {
		return "this question has moved on"
	}
	return t.refusal
}

// sources are the states act moves a question from: the guard of its conditional UPDATE.
func sources(act action) []question.Status { return lifecycle[act].from }

// allows reports whether act may move a question in status (whoever does it).
func allows(act action, status question.Status) bool {
	return slices.Contains(lifecycle[act].from, status)
}
