package graph

import (
	"context"
	"errors"

	"backbone/ent"
	"backbone/ent/privacy"
	"backbone/internal/errs"
)

// maxNodes bounds nodes(ids:) so one request cannot ask for an unbounded batch.
const maxNodes = 100

// node resolves one global id. An id that does not exist, or that the viewer may not see,
// is null: the two cases cannot be told apart. The read rules decide what the viewer
// sees: they filter the rows of some types and refuse others outright (audit logs to
// all but admins); both are null here.
func (r *Resolver) node(ctx context.Context, gid string) (ent.Noder, error) {
	_, table, id, err := parseGlobalID(gid)
	if err != nil {
		return nil, err
	}
	n, err := r.Client.Noder(ctx, id, ent.WithFixedNodeType(table))
	if ent.IsNotFound(err) || errors.Is(err, privacy.Deny) {
		return nil, nil
	}
	return n, err
}

// nodes resolves global ids in order, null where one is absent or hidden.
func (r *Resolver) nodes(ctx context.Context, gids []string) ([]ent.Noder, error) {
	if len(gids) > maxNodes {
		return nil, errs.Ef(errs.BadUserInput, "at most %d ids at once", maxNodes).With("field", "ids")
	}
	out := make([]ent.Noder, len(gids))
	for i, gid := range gids {
		n, err := r.node(ctx, gid)
		if errs.CodeOf(err) == errs.BadUserInput {
			return nil, errs.E(errs.BadUserInput, "malformed id").With("field", "ids")
		}
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}
