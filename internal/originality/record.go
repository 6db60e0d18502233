package originality

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/fingerprint"
	"backbone/internal/db"
)

// insertBatch bounds the rows of one INSERT, well under SQLite's and PostgreSQL's
// limits on bound parameters even for the longest answer.
const insertBatch = 1000

// Record stores the fingerprints of a revision's text, so that later checks of other
// questions find it. It is idempotent: recording a revision again (a redelivered job)
// adds nothing. client may be a transaction's client, so that the fingerprints are
// stored with the revision or not at all.
func Record(ctx context.Context, client *ent.Client, questionID, revisionID uuid.UUID, text string) error {
	fps := Fingerprints(text)
	for start := 0; start < len(fps); start += insertBatch {
		chunk := fps[start:min(start+insertBatch, len(fps))]
		creates := make([]*ent.FingerprintCreate, len(chunk))
		for i, h := range chunk {
			creates[i] = client.Fingerprint.Create().SetHash(h).SetQuestionID(questionID).SetRevisionID(revisionID)
		}
		err := client.Fingerprint.CreateBulk(creates...).
			OnConflictColumns(fingerprint.FieldRevisionID, fingerprint.FieldHash).DoNothing().
			Exec(db.System(ctx))
		if err != nil {
			return fmt.Errorf("originality record: %w", err)
		}
	}
	return nil
}
