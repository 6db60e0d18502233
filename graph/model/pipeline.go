package model

import (
	"time"

	"backbone/ent/pipelinestage"
	"backbone/ent/question"
)

// PipelineStage is one AI stage as the viewer may see it: the resolver leaves out the
// model and tokens (only for the holding expert and admins) and the error (admins).
type PipelineStage struct {
	Stage            pipelinestage.Stage     `json:"stage"`
	Status           question.PipelineStatus `json:"status"`
	Attempts         int                     `json:"attempts"`
	StartedAt        *time.Time              `json:"startedAt,omitempty"`
	FinishedAt       *time.Time              `json:"finishedAt,omitempty"`
	Model            *string                 `json:"model,omitempty"`
	PromptTokens     *int                    `json:"promptTokens,omitempty"`
	CompletionTokens *int                    `json:"completionTokens,omitempty"`
	Error            *string                 `json:"error,omitempty"`
}
