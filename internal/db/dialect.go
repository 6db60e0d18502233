package db

import (
	"strconv"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// Postgres reports whether the database is PostgreSQL; the other one is SQLite.
func (d *DB) Postgres() bool { return IsPostgres(d.Dialect) }

// Placeholder is the n-th bind parameter (from 1) of a plain SQL statement in the
// database's syntax: $n on PostgreSQL, ? on SQLite (which numbers each ? on its own).
func (d *DB) Placeholder(n int) string {
	if d.Postgres() {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// WriteInList writes the bind parameters of an IN list of n values, the first numbered
// first: "$3, $4, $5" on PostgreSQL, "?, ?, ?" on SQLite.
func (d *DB) WriteInList(b *strings.Builder, first, n int) {
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.Placeholder(first + i))
	}
}

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

// ForNoKeyUpdate is ForUpdate with PostgreSQL's FOR NO KEY UPDATE, the lock an UPDATE that
// leaves the key alone takes: other lockers and writers of the rows wait, but not an insert
// elsewhere that references them (its foreign key check takes KEY SHARE). Use it to lock a
// row that many tables reference, such as a user's.
func ForNoKeyUpdate(s *entsql.Selector) {
	if IsPostgres(s.Dialect()) {
		s.For(entsql.LockNoKeyUpdate)
	}
}
