package wallet

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/idempotencykey"
	"backbone/internal/db"
	"backbone/internal/errs"
)

// maxKeyLen bounds an idempotency key, as the column does.
const maxKeyLen = 200

// call identifies one money operation for idempotency: the caller's scope (keys are per
// caller: "user:<id>" for a person, "question:<id>" for the question lifecycle,
// "payment:<provider>" for webhooks), the caller's key, and the input without the key.
type call struct {
	scope, key, op string
	input          any
}

// claimed is the outcome of claim: either this call owns the key (id set, prior nil) or
// an earlier call with the same input did (prior holds its result).
type claimed struct {
	id    uuid.UUID
	prior json.RawMessage
}

// claim records the call's key in tx, with result when it is already known. The unique
// (scope, key) index decides between concurrent duplicates: the insert of the second
// waits for the first to commit or roll back, then either inserts (the first rolled
// back) or finds the first's row. The same key with another input is CONFLICT.
func claim(ctx context.Context, tx *ent.Client, c call, result any) (claimed, error) {
	if err := CheckKey(c.key); err != nil {
		return claimed{}, err
	}
	hash, err := requestHash(c)
	if err != nil {
		return claimed{}, err
	}
	create := tx.IdempotencyKey.Create().SetScope(c.scope).SetKey(c.key).SetOperation(c.op).SetRequestHash(hash)
	if result != nil {
		raw, err := json.Marshal(result)
		if err != nil {
			return claimed{}, fmt.Errorf("encode result: %w", err)
		}
		create.SetResult(raw)
	}
	id, err := create.OnConflictColumns(idempotencykey.FieldScope, idempotencykey.FieldKey).DoNothing().ID(ctx)
	if err == nil {
		return claimed{id: id}, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return claimed{}, fmt.Errorf("claim idempotency key: %w", err)
	}
	prev, err := tx.IdempotencyKey.Query().
		Where(idempotencykey.Scope(c.scope), idempotencykey.Key(c.key)).Only(db.System(ctx))
	if ent.IsNotFound(err) {
		// Only under REPEATABLE READ or stricter, where the winner is not yet visible.
		return claimed{}, errs.E(errs.Conflict, "a request with this idempotency key is in progress; retry")
	}
	if err != nil {
		return claimed{}, fmt.Errorf("read idempotency key: %w", err)
	}
	if prev.Operation != c.op || prev.RequestHash != hash {
		return claimed{}, errs.E(errs.Conflict, "this idempotency key was used with a different request").
			With("field", "idempotencyKey")
	}
	return claimed{prior: prev.Result}, nil
}

// complete stores the result of a call whose result was not known when it was claimed.
func complete(ctx context.Context, tx *ent.Client, c claimed, result any) error {
	raw, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	if err := tx.IdempotencyKey.UpdateOneID(c.id).SetResult(raw).Exec(ctx); err != nil {
		return fmt.Errorf("store idempotency result: %w", err)
	}
	return nil
}

// replay decodes the result of an earlier call into out.
func replay(c claimed, out any) error {
	if err := json.Unmarshal(c.prior, out); err != nil {
		return fmt.Errorf("decode idempotent result: %w", err)
	}
	return nil
}

// requestHash is the hex SHA-256 of the operation and its JSON-encoded input.
func requestHash(c call) (string, error) {
	b, err := json.Marshal(c.input)
	if err != nil {
		return "", fmt.Errorf("encode request: %w", err)
	}
	h := sha256.New()
	h.Write([]byte(c.op))
	h.Write([]byte{0})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// CheckKey accepts an idempotency key of 1 to 200 printable characters without spaces at
// either end; anything else is BAD_USER_INPUT on the field idempotencyKey.
func CheckKey(k string) error {
	bad := k == "" || len(k) > maxKeyLen || strings.TrimSpace(k) != k ||
		strings.IndexFunc(k, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0
	if bad {
		return errs.Ef(errs.BadUserInput, "idempotencyKey must be 1 to %d printable characters", maxKeyLen).
			With("field", "idempotencyKey")
	}
	return nil
}

func userScope(id uuid.UUID) string     { return "user:" + id.String() }
func questionScope(id uuid.UUID) string { return "question:" + id.String() }
