package workers

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"hash/fnv"
	"sync"

	"backbone/internal/db"
)

// Locker hands out named locks shared by every instance on one database: PostgreSQL
// advisory locks, or, for the embedded SQLite default (one process owns the file), locks
// within the process.
type Locker struct {
	db    *db.DB
	mu    sync.Mutex
	local map[string]bool
	// aside holds the PostgreSQL locks' connections, apart from the pool that the locked
	// work uses (opened on first use): from one pool, a held lock would wait for its own
	// work's connection, and as many sweeps as connections would wait for ever.
	aside *sql.DB
}

// NewLocker returns a Locker on d.
func NewLocker(d *db.DB) *Locker { return &Locker{db: d, local: map[string]bool{}} }

// TryLock takes the named lock if it is free. When ok is true, call release when done.
func (l *Locker) TryLock(ctx context.Context, name string) (release func(), ok bool, err error) {
	if !l.db.Postgres() {
		return l.tryLocal(name)
	}
	pool, err := l.asidePool()
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}
	// A session-level advisory lock lives on one connection: hold that connection until release.
	conn, err := pool.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}
	key := lockKey(name)
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil || !ok {
		conn.Close()
		if err != nil {
			return nil, false, fmt.Errorf("lock %s: %w", name, err)
		}
		return nil, false, nil
	}
	return func() { unlock(conn, key) }, true, nil
}

// asidePool returns the pool of the locks' connections, opening it on first use.
func (l *Locker) asidePool() (*sql.DB, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.aside == nil {
		p, err := l.db.OpenAside()
		if err != nil {
			return nil, err
		}
		l.aside = p
	}
	return l.aside, nil
}

// Close closes the locks' connections; call it once no lock is held.
func (l *Locker) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.aside == nil {
		return nil
	}
	err := l.aside.Close()
	l.aside = nil
	return err
}

func unlock(conn *sql.Conn, key int64) {
	// If the unlock fails, mark the connection bad so the pool closes it: ending the
	// session releases the lock on the server.
	if _, err := conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", key); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	conn.Close()
}

func (l *Locker) tryLocal(name string) (func(), bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.local[name] {
		return nil, false, nil
	}
	l.local[name] = true
	return func() {
		l.mu.Lock()
		delete(l.local, name)
		l.mu.Unlock()
	}, true, nil
}

// lockKey maps a lock name to the 64-bit key PostgreSQL advisory locks take.
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("backbone:" + name))
	return int64(h.Sum64())
}
