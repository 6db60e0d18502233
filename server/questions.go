package main

import (
	"errors"
	"fmt"

	"backbone/internal/ai"
	"backbone/internal/analytics"
	"backbone/internal/questions"
)

// openQuestions builds the question lifecycle service, its expert figures cached in the
// "expert_stats" memo.
func (a *app) openQuestions() {
	a.questions = questions.New(questions.Deps{DB: a.db, Wallet: a.wallet, Settings: a.settings,
		Limiter: a.rateLimiter(), Stats: a.newMemo("expert_stats"), Log: a.log}, questions.Options{})
	// A suspended expert can no longer work: their claims go back as a lapsed lease's do.
	a.auth.OnSuspend(a.questions.ReleaseClaimsOf)
	a.analytics = analytics.New(a.db, a.newMemo("analytics"))
}

// openAI builds the model provider of the AI stages; without AI_BASE_URL there is none
// and the stages are skipped (each question says so).
func (a *app) openAI() error {
	c, err := ai.New(ai.ConfigFrom(a.cfg), a.log)
	switch {
	case errors.Is(err, ai.ErrNotConfigured):
		a.log.Info("no AI provider configured: questions skip the AI stages")
		return nil
	case err != nil:
		return fmt.Errorf("AI provider: %w", err)
	}
	a.ai = c
	return nil
}
