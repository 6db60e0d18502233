package events

import (
	"time"

	"github.com/google/uuid"
)

// TopicExpertSubjectsChanged says an approved expert's subjects changed
// (ExpertSubjectsChanged): a task queue stream opened over the old ones ends.
const TopicExpertSubjectsChanged = "expert.subjects_changed"

// ExpertSubjectsChanged is the payload of expert.subjects_changed.
type ExpertSubjectsChanged struct {
	UserID   uuid.UUID `json:"userId"`
	Subjects []string  `json:"subjects"`
	At       time.Time `json:"at"`
}
