package questions

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/question"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/outbox"
	"backbone/internal/settings"
	"backbone/internal/textx"
	"backbone/internal/wallet"
)

// Cancel withdraws the client's question before an expert claims it and refunds its
// price. Errors: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND (missing or another client's),
// CONFLICT (claimed or closed; "status" says which).
func (s *Service) Cancel(ctx context.Context, id uuid.UUID) (*ent.Question, error) {
	p, err := client(ctx)
	if err != nil {
		return nil, errs.Wrap("questions.Cancel", err)
	}
	return s.txQuestion(ctx, "questions.Cancel", func(ctx context.Context, tx *ent.Client) (*ent.Question, error) {
		q, err := ownQuestion(ctx, tx, id, p.UserID)
		if err != nil {
			return nil, err
		}
		wasQueued := q.Status == question.StatusAWAITING_EXPERT
		q, err = s.close(ctx, tx, q, question.StatusCANCELLED, "only a question no expert has claimed can be cancelled", preClaim...)
		if err != nil {
			return nil, err
		}
		if err := s.refund(ctx, tx, q, 0, "refund"); err != nil {
			return nil, err
		}
		if err := s.stopPipeline(ctx, tx, q, "the question was cancelled"); err != nil {
			return nil, err
		}
		return q, record(ctx, tx, q, change{action: "question.cancelled", taken: wasQueued})
	})
}

// Accept closes a delivered question with the client's rating and pays the expert: the
// escrow is captured less the platform fee of the question's terms. Errors: UNAUTHENTICATED, FORBIDDEN,
// BAD_USER_INPUT (stars 1..5, comment at most 2000 characters), NOT_FOUND, CONFLICT
// (not DELIVERED).
func (s *Service) Accept(ctx context.Context, id uuid.UUID, stars int, comment string) (*ent.Question, error) {
	p, err := client(ctx)
	if err == nil && (stars < 1 || stars > 5) {
		err = errs.E(errs.BadUserInput, "stars must be 1 to 5").With("field", "stars")
	}
	if err == nil {
		comment, err = textx.Plain("comment", comment, 2000, false)
	}
	if err != nil {
		return nil, errs.Wrap("questions.Accept", err)
	}
	set, err := s.current(ctx)
	if err != nil {
		return nil, errs.Wrap("questions.Accept", err)
	}
	return s.txQuestion(ctx, "questions.Accept", func(ctx context.Context, tx *ent.Client) (*ent.Question, error) {
		q, err := ownQuestion(ctx, tx, id, p.UserID)
		if err != nil {
			return nil, err
		}
		if q, err = s.accept(ctx, tx, q, set); err != nil {
			return nil, err
		}
		err = tx.Rating.Create().SetQuestionID(q.ID).SetClientID(q.ClientID).SetExpertID(*q.ExpertID).
			SetStars(stars).SetComment(comment).SetCreatedAt(s.now()).Exec(ctx)
		if err != nil {
			return nil, err
		}
		return q, record(ctx, tx, q, change{action: "question.accepted", meta: map[string]any{"stars": stars},
			notices: []event{{events.TopicAnswerAccepted, events.AnswerAccepted{QuestionID: q.ID, ExpertID: *q.ExpertID,
				Stars: &stars, At: q.UpdatedAt}}}})
	})
}

// accept moves a DELIVERED question to ACCEPTED and captures its escrow for the expert
// at the fee of set.
func (s *Service) accept(ctx context.Context, tx *ent.Client, q *ent.Question, set settings.Settings) (*ent.Question, error) {
	q, err := s.close(ctx, tx, q, question.StatusACCEPTED, "only a delivered answer can be accepted", question.StatusDELIVERED)
	if err != nil {
		return nil, err
	}
	if q.ExpertID == nil {
		return nil, errs.E(errs.Internal, "delivered question without an expert")
	}
	return q, s.capture(ctx, tx, q, 0, set)
}

// RequestRevision sends a delivered answer back to its expert, with the client's note
// (a RevisionRequest, and the new assignment's reason), within the revision limit of the
// question's terms: a new claim for the same expert (status
// CLAIMED, revision count + 1) under a fresh lease; the expert's claim limit does not
// apply. The lifecycle's REVISION_REQUESTED is passed through in the same transaction. Errors: UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT (note over 1000
// characters), NOT_FOUND, CONFLICT (not DELIVERED, or the revision limit is reached).
func (s *Service) RequestRevision(ctx context.Context, id uuid.UUID, note string) (*ent.Question, error) {
	p, err := client(ctx)
	if err == nil {
		note, err = textx.Plain("note", note, 1000, false)
	}
	if err != nil {
		return nil, errs.Wrap("questions.RequestRevision", err)
	}
	set, err := s.current(ctx)
	if err != nil {
		return nil, errs.Wrap("questions.RequestRevision", err)
	}
	return s.txQuestion(ctx, "questions.RequestRevision", func(ctx context.Context, tx *ent.Client) (*ent.Question, error) {
		q, err := ownQuestion(ctx, tx, id, p.UserID)
		if err != nil {
			return nil, err
		}
		terms := termsFor(q, set)
		switch {
		case q.Status != question.StatusDELIVERED:
			return nil, conflict(q.Status, "only a delivered answer can be revised")
		case q.RevisionCount >= terms.RevisionLimit:
			return nil, conflict(q.Status, "the revision limit is reached").With("limit", terms.RevisionLimit)
		case q.ExpertID == nil:
			return nil, errs.E(errs.Internal, "delivered question without an expert")
		}
		now := s.now()
		q, err = tx.Question.UpdateOneID(q.ID).
			Where(question.StatusEQ(question.StatusDELIVERED), question.RevisionCountLT(terms.RevisionLimit)).
			SetStatus(question.StatusCLAIMED).AddRevisionCount(1).ClearAutoAcceptAt().SetUpdatedAt(now).Save(ctx)
		if ent.IsNotFound(err) {
			return nil, afterMiss(ctx, tx, id, "only a delivered answer can be revised")
		}
		if err != nil {
			return nil, err
		}
		err = tx.Assignment.Create().SetQuestionID(q.ID).SetExpertID(*q.ExpertID).SetClaimedAt(now).
			SetLeaseExpiresAt(now.Add(terms.Lease)).SetReason(note).SetCreatedAt(now).SetUpdatedAt(now).Exec(ctx)
		if err != nil {
			return nil, err
		}
		err = tx.RevisionRequest.Create().SetQuestionID(q.ID).SetClientID(q.ClientID).SetExpertID(*q.ExpertID).
			SetNote(note).SetCreatedAt(now).Exec(ctx)
		if err != nil {
			return nil, err
		}
		return q, record(ctx, tx, q, change{action: "question.revision_requested", meta: map[string]any{"revision": q.RevisionCount},
			notices: []event{{events.TopicRevisionRequested, events.RevisionRequested{QuestionID: q.ID, ExpertID: *q.ExpertID,
				Note: note, Revision: q.RevisionCount, At: now}}}})
	})
}

// OpenDispute contests a delivered answer: the escrow stays held until an admin resolves
// the dispute. Errors: UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT (reason 1..2000
// characters), NOT_FOUND, CONFLICT (not DELIVERED).
func (s *Service) OpenDispute(ctx context.Context, id uuid.UUID, reason string) (*ent.Question, error) {
	p, err := client(ctx)
	if err == nil {
		reason, err = textx.Plain("reason", reason, 2000, true)
	}
	if err != nil {
		return nil, errs.Wrap("questions.OpenDispute", err)
	}
	return s.txQuestion(ctx, "questions.OpenDispute", func(ctx context.Context, tx *ent.Client) (*ent.Question, error) {
		q, err := ownQuestion(ctx, tx, id, p.UserID)
		if err != nil {
			return nil, err
		}
		q, err = s.update(ctx, tx, q, "only a delivered answer can be disputed", []question.Status{question.StatusDELIVERED},
			func(u *ent.QuestionUpdateOne) { u.SetStatus(question.StatusDISPUTED).ClearAutoAcceptAt() })
		if err != nil {
			return nil, err
		}
		now := s.now()
		err = tx.Dispute.Create().SetQuestionID(q.ID).SetClientID(q.ClientID).SetNillableExpertID(q.ExpertID).SetReason(reason).
			SetCreatedAt(now).SetUpdatedAt(now).Exec(ctx)
		if err != nil {
			return nil, err
		}
		c := change{action: "question.disputed"}
		if q.ExpertID != nil {
			admins, err := events.Admins(ctx, tx)
			if err != nil {
				return nil, err
			}
			c.notices = []event{{events.TopicDisputeOpened, events.DisputeOpened{QuestionID: q.ID, ClientID: q.ClientID,
				ExpertID: *q.ExpertID, Reason: reason, At: now, Admins: admins}}}
		}
		return q, record(ctx, tx, q, c)
	})
}

// move changes q's status to `to` if it still is one of from (a conditional update, so
// that of two racing requests exactly one wins); CONFLICT with the current status if not.
func (s *Service) move(ctx context.Context, tx *ent.Client, q *ent.Question, to question.Status, msg string, from ...question.Status) (*ent.Question, error) {
	return s.update(ctx, tx, q, msg, from, func(u *ent.QuestionUpdateOne) { u.SetStatus(to) })
}

// close is move to a final status, stamping closed_at.
func (s *Service) close(ctx context.Context, tx *ent.Client, q *ent.Question, to question.Status, msg string, from ...question.Status) (*ent.Question, error) {
	return s.update(ctx, tx, q, msg, from, func(u *ent.QuestionUpdateOne) { u.SetStatus(to).SetClosedAt(s.now()) })
}

// update applies set to q if its status is still one of from.
func (s *Service) update(ctx context.Context, tx *ent.Client, q *ent.Question, msg string, from []question.Status, set func(*ent.QuestionUpdateOne)) (*ent.Question, error) {
	if !slices.Contains(from, q.Status) {
		return nil, conflict(q.Status, msg)
	}
	u := tx.Question.UpdateOneID(q.ID).Where(question.StatusIn(from...)).SetUpdatedAt(s.now())
	set(u)
	out, err := u.Save(ctx)
	if ent.IsNotFound(err) {
		return nil, afterMiss(ctx, tx, q.ID, msg)
	}
	return out, err
}

// refund releases amount (0: all) of q's escrow back to its client.
func (s *Service) refund(ctx context.Context, tx *ent.Client, q *ent.Question, amount int64, key string) error {
	r, err := s.wallet.ReleaseTx(ctx, tx, wallet.ReleaseInput{QuestionID: q.ID, ClientID: q.ClientID, Amount: amount, IdempotencyKey: key})
	if err != nil || r.Amount == 0 {
		return err
	}
	return emit(ctx, tx, outbox.Event, events.TopicCreditsRefunded, q.ID, events.CreditsRefunded{QuestionID: q.ID,
		ClientID: q.ClientID, Amount: r.Amount, Status: string(q.Status), At: q.UpdatedAt})
}

// capture pays amount (0: all that is held) of q's escrow to its expert, less the
// platform fee of q's terms (of set for a question without terms). The caller reads set before its transaction begins: a settings
// read inside it would wait for a second pool connection on a cache miss while holding
// one, and with every connection held that way nothing moves until the pool times out.
func (s *Service) capture(ctx context.Context, tx *ent.Client, q *ent.Question, amount int64, set settings.Settings) error {
	bps := termsFor(q, set).PlatformFeeBPS
	if bps == 0 {
		bps = wallet.NoFee
	}
	_, err := s.wallet.CaptureTx(ctx, tx, wallet.CaptureInput{QuestionID: q.ID, ClientID: q.ClientID, ExpertID: *q.ExpertID,
		Amount: amount, FeeBPS: bps, IdempotencyKey: "capture"})
	return err
}
