package questions

import (
	"context"

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
		q, err = s.close(ctx, tx, q, actCancel, byClient, nil)
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
	return s.txQuestionWith(ctx, "questions.Accept", func(ctx context.Context, tx *ent.Client, set settings.Settings) (*ent.Question, error) {
		q, err := ownQuestion(ctx, tx, id, p.UserID)
		if err != nil {
			return nil, err
		}
		if q, err = s.accept(ctx, tx, q, byClient, set); err != nil {
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

// accept moves a DELIVERED question to ACCEPTED (for its client, or the system's
// auto-accept) and captures its escrow for the expert at the fee of set.
func (s *Service) accept(ctx context.Context, tx *ent.Client, q *ent.Question, by actor, set settings.Settings) (*ent.Question, error) {
	q, err := s.close(ctx, tx, q, actAccept, by, nil)
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
// question's terms: the question is REVISION_REQUESTED (revision count + 1) and its
// expert holds it under a new claim with a fresh lease (the expert's claim limit does
// not apply) until they deliver again; releasing it or letting the lease run out
// returns it to DELIVERED with the answer already given. Errors: UNAUTHENTICATED,
// FORBIDDEN, BAD_USER_INPUT (note over 1000 characters), NOT_FOUND, CONFLICT (not
// DELIVERED, or the revision limit is reached).
func (s *Service) RequestRevision(ctx context.Context, id uuid.UUID, note string) (*ent.Question, error) {
	p, err := client(ctx)
	if err == nil {
		note, err = textx.Plain("note", note, 1000, false)
	}
	if err != nil {
		return nil, errs.Wrap("questions.RequestRevision", err)
	}
	return s.txQuestionWith(ctx, "questions.RequestRevision", func(ctx context.Context, tx *ent.Client, set settings.Settings) (*ent.Question, error) {
		q, err := ownQuestion(ctx, tx, id, p.UserID)
		if err != nil {
			return nil, err
		}
		if _, err := step(actRequestRevision, byClient, q.Status); err != nil {
			return nil, err
		}
		terms := termsFor(q, set)
		switch {
		case q.RevisionCount >= terms.RevisionLimit:
			return nil, conflict(q.Status, "the revision limit is reached").With("limit", terms.RevisionLimit)
		case q.ExpertID == nil:
			return nil, errs.E(errs.Internal, "delivered question without an expert")
		}
		q, err = s.transit(ctx, tx, q, actRequestRevision, byClient, func(u *ent.QuestionUpdateOne) {
			u.Where(question.RevisionCountLT(terms.RevisionLimit)).AddRevisionCount(1).ClearAutoAcceptAt()
		})
		if err != nil {
			return nil, err
		}
		now := q.UpdatedAt
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
		q, err = s.transit(ctx, tx, q, actDispute, byClient, func(u *ent.QuestionUpdateOne) { u.ClearAutoAcceptAt() })
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

// transit moves q by act, done by by, when the lifecycle allows it from q's status: a
// conditional update guarded by the act's source states (and by the status read, for
// the acts decidedOnRead), so that of two racing requests exactly one wins (more adds
// to the update, nil for nothing). CONFLICT with the current status when q is not, or
// no longer, in one of them (see step for the other refusals).
func (s *Service) transit(ctx context.Context, tx *ent.Client, q *ent.Question, act action, by actor, more func(*ent.QuestionUpdateOne)) (*ent.Question, error) {
	t, err := step(act, by, q.Status)
	if err != nil {
		return nil, err
	}
	u := tx.Question.UpdateOneID(q.ID).Where(question.StatusIn(t.from...)).SetStatus(t.to).SetUpdatedAt(s.now())
	if decidedOnRead[act] {
		u.Where(question.StatusEQ(q.Status))
	}
	if more != nil {
		more(u)
	}
	out, err := u.Save(ctx)
	if ent.IsNotFound(err) {
		return nil, afterMiss(ctx, tx, q.ID, t.refused())
	}
	return out, err
}

// close is transit to a final status, stamping closed_at.
func (s *Service) close(ctx context.Context, tx *ent.Client, q *ent.Question, act action, by actor, more func(*ent.QuestionUpdateOne)) (*ent.Question, error) {
	return s.transit(ctx, tx, q, act, by, func(u *ent.QuestionUpdateOne) {
		u.SetClosedAt(s.now())
		if more != nil {
			more(u)
		}
	})
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
