package questions

import (
	"backbone/internal/auth"
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/question"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/outbox"
	"backbone/internal/ratelimit"
	"backbone/internal/settings"
	"backbone/internal/textx"
	"backbone/internal/wallet"
)

// SubmitInput is a client's new question.
type SubmitInput struct {
	Subject, Title, Body string
	Urgency              question.Urgency
	// IdempotencyKey makes a retried submission return the first one's question (scoped
	// to the client; the same key with another input is CONFLICT). Required, as for every
	// money operation (wallet.CheckKey).
	IdempotencyKey string
}

// Turnaround is how long an expert has to answer a question of urgency u, from
// submission: URGENT 6 hours, HIGH 24 hours, NORMAL 72 hours, LOW 7 days.
func Turnaround(u question.Urgency) time.Duration {
	switch u {
	case question.UrgencyURGENT:
		return 6 * time.Hour
	case question.UrgencyHIGH:
		return 24 * time.Hour
	case question.UrgencyNORMAL:
		return 72 * time.Hour
	}
	return 7 * 24 * time.Hour
}

// idNamespace derives a question's id from its client and idempotency key, so that the
// key is scoped per client and a retry finds the first question by primary key.
var idNamespace = uuid.MustParse("6f1d3c8e-6a55-4c55-9a8e-2f0c1d9b7a01")

// Submit asks a question: it validates the input, prices it from the settings (and
// records their version and the terms it keeps from them, see Terms), holds the
// price from the client's wallet into the question's escrow and queues the job
// its first job: with the AI pipeline switched on, "pipeline.draft" (the AI stages run
// before experts see it, see pipeline.go); off, "questions.route", which moves it to the
// experts (Route) with the pipeline SKIPPED.
// Errors: UNAUTHENTICATED, FORBIDDEN (not a client), BAD_USER_INPUT (with "field"),
// INSUFFICIENT_CREDITS (with "shortfall"), CONFLICT (idempotency key reused with
// another input), RATE_LIMITED (with "retryAfter": past Settings.QuestionsPerHour).
func (s *Service) Submit(ctx context.Context, in SubmitInput) (*ent.Question, error) {
	p, err := client(ctx)
	if err != nil {
		return nil, errs.Wrap("questions.Submit", err)
	}
	if err := auth.RequireVerifiedClient(ctx, s.db.Client, p.UserID, "submit questions"); err != nil {
		return nil, err
	}
	if err := checkSubmit(&in); err != nil {
		return nil, errs.Wrap("questions.Submit", err)
	}
	set, err := s.current(ctx)
	if err != nil {
		return nil, errs.Wrap("questions.Submit", err)
	}
	id, key := uuid.NewSHA1(idNamespace, append(p.UserID[:], in.IdempotencyKey...)), in.IdempotencyKey
	// A retry is answered with its first question whatever the settings are now (its
	// subject may have been removed, its price changed): only a new one is priced.
	prior, err := replayed(db.System(ctx), s.db.Client, id, in)
	var price int64
	if err == nil && prior == nil {
		price, err = priceSubmit(set, &in)
	}
	if err != nil {
		return nil, errs.Wrap("questions.Submit", err)
	}
	if err := s.checkSubmitRate(ctx, p.UserID, set.QuestionsPerHour); err != nil {
		return nil, errs.Wrap("questions.Submit", err)
	}
	if prior != nil {
		return prior, nil
	}
	return s.txQuestion(ctx, "questions.Submit", func(ctx context.Context, tx *ent.Client) (*ent.Question, error) {
		// A concurrent retry with this key may have committed since.
		if prior, err := replayed(ctx, tx, id, in); prior != nil || err != nil {
			return prior, err
		}
		now := s.now()
		pipeline, reason := question.PipelineStatusPENDING, ""
		if !set.AIPipelineEnabled {
			pipeline, reason = question.PipelineStatusSKIPPED, ReasonSwitchedOff
		}
		create := tx.Question.Create().SetID(id).SetClientID(p.UserID).SetSubject(in.Subject).
			SetTitle(in.Title).SetBody(in.Body).SetUrgency(in.Urgency).
			SetDeadline(now.Add(Turnaround(in.Urgency))).SetPrice(price).
			SetStatus(question.StatusSUBMITTED).SetCreatedAt(now).SetUpdatedAt(now).
			SetPipelineStatus(pipeline).SetPipelineReason(reason)
		q, err := recordTerms(create, termsFrom(set)).Save(ctx)
		if ent.IsConstraintError(err) {
			return nil, db.ErrRetry // a concurrent retry with this key committed first
		}
		if err != nil {
			return nil, err
		}
		_, err = s.wallet.HoldTx(ctx, tx, wallet.HoldInput{QuestionID: id, ClientID: p.UserID, Amount: price, IdempotencyKey: key})
		if err != nil {
			return nil, err
		}
		if err := s.queueFirstJob(ctx, tx, q, set.AIPipelineEnabled, now); err != nil {
			return nil, err
		}
		return q, record(ctx, tx, q, change{action: "question.submitted", meta: map[string]any{"price": price, "aiPipeline": set.AIPipelineEnabled}})
	})
}

// checkSubmit checks what the settings do not decide (the key, the title, the body and
// the urgency) and normalises the title (one line, textx.Line).
func checkSubmit(in *SubmitInput) error {
	if err := wallet.CheckKey(in.IdempotencyKey); err != nil {
		return err
	}
	title, err := textx.Line("title", in.Title, 200, true)
	if err != nil {
		return err
	}
	in.Title = title
	if _, err := textx.Markdown("body", in.Body, 20000, true); err != nil {
		return err
	}
	if question.UrgencyValidator(in.Urgency) != nil {
		return errs.E(errs.BadUserInput, "unknown urgency").With("field", "urgency")
	}
	return nil
}

// priceSubmit checks a new question's subject against the settings, normalises it (the
// settings' spelling, matched in any case) and returns the price.
func priceSubmit(set settings.Settings, in *SubmitInput) (int64, error) {
	subject, ok := set.Subject(in.Subject)
	if !ok {
		return 0, errs.E(errs.BadUserInput, "unknown subject").With("field", "subject")
	}
	in.Subject = subject
	price, ok := set.Price(in.Subject, settings.Urgency(in.Urgency))
	if !ok || price <= 0 {
		return 0, errs.E(errs.BadUserInput, "no price for this subject and urgency").With("field", "urgency")
	}
	return price, nil
}

// replayed answers a retried submission: the question its key made (id) when the input
// is the same, CONFLICT otherwise, and nil, nil when the key is new.
func replayed(ctx context.Context, c *ent.Client, id uuid.UUID, in SubmitInput) (*ent.Question, error) {
	prior, err := c.Question.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// The subject in any case, spaces around: as the settings match it (Settings.Subject),
	// and an admin may have renamed its case since (settings.Patch).
	if !strings.EqualFold(prior.Subject, strings.TrimSpace(in.Subject)) || prior.Title != in.Title || prior.Body != in.Body || prior.Urgency != in.Urgency {
		return nil, errs.E(errs.Conflict, "this idempotency key was used with a different question").
			With("field", "idempotencyKey").With("status", string(prior.Status))
	}
	return prior, nil
}

// queueFirstJob queues the AI draft of a new question, or, with the pipeline switched
// off, its routing to the experts (the pipeline SKIPPED).
func (s *Service) queueFirstJob(ctx context.Context, tx *ent.Client, q *ent.Question, ai bool, now time.Time) error {
	if !ai {
		return emit(ctx, tx, outbox.Job, TopicRoute, q.ID, RouteJob{QuestionID: q.ID})
	}
	if err := createStages(ctx, tx, q.ID, now); err != nil {
		return err
	}
	return emit(ctx, tx, outbox.Job, events.JobPipelineDraft, q.ID, events.PipelineJob{QuestionID: q.ID})
}

// checkSubmitRate counts one submission of client against the settings' questions per
// hour (0: no limit). Every valid submission counts, a replay of an idempotency key too:
// the limit is on attempts.
func (s *Service) checkSubmitRate(ctx context.Context, client uuid.UUID, perHour int) error {
	if perHour <= 0 {
		return nil
	}
	return ratelimit.Check(ctx, s.log, s.limiter, "submit:client:"+client.String(), ratelimit.PerHour(perHour))
}
