package model

// NotificationPreference is bound by hand in gqlgen.yml: ent's NotificationPreference
// (one row of choices per user) would be autobound to it otherwise.
type NotificationPreference struct {
	Kind           NotificationKind `json:"kind"`
	Email          bool             `json:"email"`
	EmailByDefault bool             `json:"emailByDefault"`
}
