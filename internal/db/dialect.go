package db

import (
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// Postgres reports whether the database is PostgreSQL; the other one is SQLite.
func (d *DB) Postgres() bool { return IsPostgres(d.Dialect) }

// IsPostgres reports whether an ent dialect name, such as a query builder's, is
// PostgreSQL's.
func IsPostgres(dialectName string) bool { return dialectName == dialect.Postgres }

// ForUpdate locks the rows a query selects until its transaction ends, on PostgreSQL.
// SQLite has no row locks, and its transaction already holds the database's write lock
// (BEGIN IMMEDIATE). Use it as a query's Modify function.
func ForUpdate(s *entsql.Selector) {
	if IsPostgres(s.Dialect()) {
		s.ForUpdate()
	}
}
