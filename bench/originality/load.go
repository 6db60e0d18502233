package main

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"backbone/internal/db"
	"backbone/internal/migrate"
	"backbone/internal/originality"
)

// load migrates the database and stores the fingerprints of n answers, question i with
// revision i, as Record would but in one COPY: the secondary indexes the migration made
// are dropped first and built again after, which is much faster than updating them row
// by row; the table is then vacuumed and analysed, as autovacuum would in time.
func load(ctx context.Context, d *db.DB, c *corpus, n int, ids func(int) (uuid.UUID, uuid.UUID), log func(string, ...any)) error {
	if _, err := migrate.Apply(ctx, d, nil); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	indexes, err := secondaryIndexes(ctx, d.SQL)
	if err != nil {
		return err
	}
	for name := range indexes {
		if _, err := d.SQL.ExecContext(ctx, `DROP INDEX "`+name+`"`); err != nil {
			return err
		}
	}
	start := time.Now()
	rows, err := copyFingerprints(ctx, d.SQL, c, n, ids)
	if err != nil {
		return err
	}
	log("fingerprinted and copied %d answers, %d rows (%.1f per answer) in %s",
		n, rows, float64(rows)/float64(n), time.Since(start).Round(time.Second))

	start = time.Now()
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET maintenance_work_mem = '1GB'`); err != nil {
		return err
	}
	for _, def := range indexes {
		if _, err := conn.ExecContext(ctx, def); err != nil {
			return fmt.Errorf("%s: %w", def, err)
		}
	}
	log("built the indexes again in %s", time.Since(start).Round(time.Second))
	start = time.Now()
	if _, err := conn.ExecContext(ctx, `VACUUM ANALYZE fingerprints`); err != nil {
		return err
	}
	log("vacuum analyze in %s", time.Since(start).Round(time.Second))
	return nil
}

// secondaryIndexes returns the definitions of the fingerprints table's indexes, other
// than its primary key, by name.
func secondaryIndexes(ctx context.Context, pool *sql.DB) (map[string]string, error) {
	rows, err := pool.QueryContext(ctx, `
SELECT indexname, indexdef FROM pg_indexes
WHERE tablename = 'fingerprints' AND indexname NOT IN (
	SELECT conname FROM pg_constraint WHERE conrelid = 'fingerprints'::regclass)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, err
		}
		out[name] = def
	}
	if len(out) == 0 && rows.Err() == nil {
		return nil, fmt.Errorf("the fingerprints table has no secondary index: is it migrated?")
	}
	return out, rows.Err()
}

// row is one fingerprint to copy.
type row struct {
	hash     int64
	question uuid.UUID
	revision uuid.UUID
}

// copyFingerprints fingerprints the answers on every core and streams the rows into one
// COPY, and returns how many it wrote.
func copyFingerprints(ctx context.Context, pool *sql.DB, c *corpus, n int, ids func(int) (uuid.UUID, uuid.UUID)) (int, error) {
	batches := make(chan []row, 64)
	g, gctx := errgroup.WithContext(ctx)
	var next atomic.Int64
	for range runtime.GOMAXPROCS(0) {
		g.Go(func() error {
			for {
				from := int(next.Add(100)) - 100
				if from >= n {
					return nil
				}
				var batch []row
				for a := from; a < min(from+100, n); a++ {
					q, r := ids(a)
					for _, h := range originality.Fingerprints(c.stored(a)) {
						batch = append(batch, row{h, q, r})
					}
				}
				select {
				case batches <- batch:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
		})
	}
	go func() { _ = g.Wait(); close(batches) }()

	total := 0
	err := func() error {
		tx, err := pool.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		stmt, err := tx.PrepareContext(ctx, `COPY fingerprints (hash, question_id, revision_id) FROM STDIN`)
		if err != nil {
			return err
		}
		for batch := range batches {
			for _, r := range batch {
				if _, err := stmt.ExecContext(ctx, r.hash, r.question.String(), r.revision.String()); err != nil {
					return err
				}
			}
			total += len(batch)
		}
		if err := g.Wait(); err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx); err != nil {
			return err
		}
		if err := stmt.Close(); err != nil {
			return err
		}
		return tx.Commit()
	}()
	if err != nil {
		// Let the workers stop: nobody reads their batches any more.
		go func() {
			for range batches {
			}
		}()
		return 0, fmt.Errorf("copy: %w", err)
	}
	return total, nil
}
