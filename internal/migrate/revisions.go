package migrate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/schema"
)

// RevisionsTable records the applied migrations, one row per file.
const RevisionsTable = "schema_revisions"

// The table in each dialect: the same columns as the Atlas CLI's revision table.
const (
	pgRevisionsDDL = `CREATE TABLE IF NOT EXISTS schema_revisions (
	version varchar NOT NULL PRIMARY KEY, description varchar NOT NULL, type bigint NOT NULL,
	applied bigint NOT NULL, total bigint NOT NULL, executed_at timestamptz NOT NULL,
	execution_time bigint NOT NULL, error text NULL, error_stmt text NULL, hash varchar NOT NULL,
	partial_hashes jsonb NULL, operator_version varchar NOT NULL)`
	sqliteRevisionsDDL = `CREATE TABLE IF NOT EXISTS schema_revisions (
	version text NOT NULL PRIMARY KEY, description text NOT NULL, type integer NOT NULL,
	applied integer NOT NULL, total integer NOT NULL, executed_at datetime NOT NULL,
	execution_time integer NOT NULL, error text NULL, error_stmt text NULL, hash text NOT NULL,
	partial_hashes json NULL, operator_version text NOT NULL)`
)

// revisions is Atlas's RevisionReadWriter over the schema_revisions table. The Atlas CLI
// keeps its own ent-based store, which is not in the Go module, hence this one.
type revisions struct {
	q        schema.ExecQuerier
	postgres bool
	// schema is the PostgreSQL schema holding the table: Atlas's clean check needs it.
	schema string
}

var _ migrate.RevisionReadWriter = (*revisions)(nil)

// Ident implements migrate.RevisionReadWriter.
func (r *revisions) Ident() *migrate.TableIdent {
	return &migrate.TableIdent{Name: RevisionsTable, Schema: r.schema}
}

// create makes the table if it does not exist yet.
func (r *revisions) create(ctx context.Context) error {
	ddl := sqliteRevisionsDDL
	if r.postgres {
		ddl = pgRevisionsDDL
	}
	_, err := r.q.ExecContext(ctx, ddl)
	return err
}

// exists reports whether the table exists, so that a read never creates it.
func (r *revisions) exists(ctx context.Context) (bool, error) {
	query := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`
	if r.postgres {
		query = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	}
	var n int
	err := queryRow(ctx, r.q, query, []any{RevisionsTable}, &n)
	return n > 0, err
}

const revisionColumns = `version, description, type, applied, total, executed_at, execution_time,
	error, error_stmt, hash, partial_hashes, operator_version`

// ReadRevisions implements migrate.RevisionReadWriter; the result is ordered by version.
func (r *revisions) ReadRevisions(ctx context.Context) ([]*migrate.Revision, error) {
	if ok, err := r.exists(ctx); err != nil || !ok {
		return nil, err
	}
	rows, err := r.q.QueryContext(ctx, `SELECT `+revisionColumns+` FROM schema_revisions ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var revs []*migrate.Revision
	for rows.Next() {
		rev, err := scanRevision(rows)
		if err != nil {
			return nil, err
		}
		revs = append(revs, rev)
	}
	return revs, rows.Err()
}

// ReadRevision implements migrate.RevisionReadWriter.
func (r *revisions) ReadRevision(ctx context.Context, version string) (*migrate.Revision, error) {
	rows, err := r.q.QueryContext(ctx, r.bind(`SELECT `+revisionColumns+` FROM schema_revisions WHERE version = ?`), version)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, migrate.ErrRevisionNotExist
	}
	return scanRevision(rows)
}

// WriteRevision implements migrate.RevisionReadWriter (an upsert on version).
func (r *revisions) WriteRevision(ctx context.Context, rev *migrate.Revision) error {
	partial, err := json.Marshal(rev.PartialHashes)
	if err != nil {
		return err
	}
	_, err = r.q.ExecContext(ctx, r.bind(`INSERT INTO schema_revisions (`+revisionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (version) DO UPDATE SET description = excluded.description, type = excluded.type,
		applied = excluded.applied, total = excluded.total, executed_at = excluded.executed_at,
		execution_time = excluded.execution_time, error = excluded.error, error_stmt = excluded.error_stmt,
		hash = excluded.hash, partial_hashes = excluded.partial_hashes, operator_version = excluded.operator_version`),
		rev.Version, rev.Description, int64(rev.Type), rev.Applied, rev.Total, rev.ExecutedAt.UTC(),
		int64(rev.ExecutionTime), nullString(rev.Error), nullString(rev.ErrorStmt), rev.Hash,
		string(partial), rev.OperatorVersion)
	return err
}

// DeleteRevision implements migrate.RevisionReadWriter.
func (r *revisions) DeleteRevision(ctx context.Context, version string) error {
	_, err := r.q.ExecContext(ctx, r.bind(`DELETE FROM schema_revisions WHERE version = ?`), version)
	return err
}

// bind turns ? placeholders into PostgreSQL's $n.
func (r *revisions) bind(query string) string {
	if !r.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func scanRevision(rows *sql.Rows) (*migrate.Revision, error) {
	var (
		rev             migrate.Revision
		typ, execTime   int64
		errMsg, errStmt sql.NullString
		partial         sql.NullString
	)
	err := rows.Scan(&rev.Version, &rev.Description, &typ, &rev.Applied, &rev.Total, &rev.ExecutedAt,
		&execTime, &errMsg, &errStmt, &rev.Hash, &partial, &rev.OperatorVersion)
	if err != nil {
		return nil, fmt.Errorf("scan revision: %w", err)
	}
	rev.Type = migrate.RevisionType(typ)
	rev.ExecutionTime = time.Duration(execTime)
	rev.Error, rev.ErrorStmt = errMsg.String, errStmt.String
	if partial.Valid && partial.String != "" && partial.String != "null" {
		if err := json.Unmarshal([]byte(partial.String), &rev.PartialHashes); err != nil {
			return nil, fmt.Errorf("revision %s: partial hashes: %w", rev.Version, err)
		}
	}
	return &rev, nil
}

func queryRow(ctx context.Context, q schema.ExecQuerier, query string, args []any, dest ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return errors.New("no rows")
	}
	return rows.Scan(dest...)
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
