package main

// THIS CODE WILL BE UPDATED WITH SCHEMA CHANGES. PREVIOUS IMPLEMENTATION FOR SCHEMA CHANGES WILL BE KEPT IN THE COMMENT SECTION. IMPLEMENTATION FOR UNCHANGED SCHEMA WILL BE KEPT.

import (
	"context"
	"database/sql"
	"errors"

	"backbone/internal/auth/token"
)

type Resolver struct {
	DB     *sql.DB
	Tokens *token.Issuer
}

// Me is the resolver for the me field.
func (r *queryResolver) Me(ctx context.Context) (*User, error) {
	raw, _ := ctx.Value(bearerKey{}).(string)
	if raw == "" {
		return nil, errors.New("no bearer token")
	}
	claims, err := r.Tokens.Verify(raw)
	if err != nil {
		return nil, err
	}
	u := &User{}
	err = r.DB.QueryRowContext(ctx, `SELECT id, email, role FROM users WHERE id = $1`, claims.Subject).Scan(&u.ID, &u.Email, &u.Role)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return u, err
}

// Query returns QueryResolver implementation.
func (r *Resolver) Query() QueryResolver { return &queryResolver{r} }

type queryResolver struct{ *Resolver }
