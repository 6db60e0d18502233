package graph

import (
	"context"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/graph/model"
	"backbone/internal/auth"
	"backbone/internal/errs"
	"backbone/internal/viewer"
)

// serverInfoModel converts the static server description to its GraphQL shape.
func serverInfoModel(info ServerInfo) *model.ServerInfo {
	out := &model.ServerInfo{Version: info.Version, Environment: info.Environment}
	for _, c := range info.Components {
		mode := model.ComponentModeEmbedded
		if c.External {
			mode = model.ComponentModeExternal
		}
		if c.None {
			mode = model.ComponentModeNone
		}
		comp := &model.Component{Name: c.Name, Mode: mode, Driver: c.Driver}
		if c.Model != "" {
			comp.Model = &c.Model
		}
		out.Components = append(out.Components, comp)
	}
	return out
}

func registerInput(in model.RegisterInput) auth.RegisterInput {
	out := auth.RegisterInput{Email: in.Email, Password: in.Password, DisplayName: in.DisplayName}
	if in.Expert != nil {
		out.Expert = &auth.ExpertApplication{Subjects: in.Expert.Subjects, Bio: in.Expert.Bio}
	}
	return out
}

func usersFilter(in *model.UsersFilter) auth.UserFilter {
	if in == nil {
		return auth.UserFilter{}
	}
	return auth.UserFilter{Role: in.Role, Status: in.Status, ExpertStatus: in.ExpertStatus, Search: deref(in.Search)}
}

func auditLogsFilter(in *model.AuditLogsFilter) (auth.AuditLogFilter, error) {
	if in == nil {
		return auth.AuditLogFilter{}, nil
	}
	out := auth.AuditLogFilter{Action: deref(in.Action), From: in.From, To: in.To}
	out.TargetType, out.TargetID = auditTarget(deref(in.TargetType), deref(in.TargetID))
	if in.ActorID != nil {
		id, err := idOf("actorId", "User", *in.ActorID)
		if err != nil {
			return out, err
		}
		out.ActorID = &id
	}
	return out, nil
}

// done turns an error-only service result into a Boolean! mutation result.
func done(err error) (bool, error) { return err == nil, err }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// idOf decodes a global id that must be of the given type.
func idOf(field, typ, gid string) (uuid.UUID, error) {
	got, _, id, err := parseGlobalID(gid)
	if err != nil {
		return uuid.Nil, errs.E(errs.BadUserInput, "malformed id").With("field", field)
	}
	if got != typ {
		return uuid.Nil, errNotFound(typ)
	}
	return id, nil
}

// newestFirst orders the audit log by time, newest first.
var newestFirst = ent.WithAuditLogOrder(&ent.AuditLogOrder{
	Direction: entgql.OrderDirectionDesc,
	Field:     ent.AuditLogOrderFieldCreatedAt,
})

// visibleEmail is a user's email for themselves and admins, and for the account a sign-in
// returns (AuthPayload.user, before any token exists); nil for anyone else who reaches the
// user through a question (its client or expert).
func visibleEmail(ctx context.Context, u *ent.User) *string {
	if p, ok := viewer.From(ctx); ok && (p.UserID == u.ID || p.IsAdmin()) {
		return &u.Email
	}
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Parent != nil && fc.Parent.Object == "AuthPayload" {
		return &u.Email
	}
	return nil
}
