package notify_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/internal/notify"
)

// Many notifications for one user made at once (the consumers of several topics, several
// instances) must all reach an open stream: ids commit in id order per user, so the
// stream's "after the last id sent" never passes over one still being inserted.
func TestConcurrentNotificationsAllReachTheStream(t *testing.T) {
	t.Parallel()
	s, c := newService(t)
	userID, userCtx := newUser(t, c)
	ctx, cancel := context.WithCancel(userCtx)
	defer cancel()
	stream, err := s.Stream(ctx, uuid.Nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 60
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Handle(context.Background(), notify.TopicQuestionUpdated,
				event(t, map[string]any{"questionId": uuid.NewString(), "status": "CLAIMED", "clientId": userID}))
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	seen := map[uuid.UUID]bool{}
	timeout := time.After(20 * time.Second) // a hang guard
	for len(seen) < n {
		select {
		case note, ok := <-stream:
			if !ok {
				t.Fatalf("stream closed after %d of %d", len(seen), n)
			}
			if seen[note.ID] {
				t.Fatalf("notification %s sent twice", note.ID)
			}
			seen[note.ID] = true
		case <-timeout:
			t.Fatalf("the stream sent %d of %d notifications", len(seen), n)
		}
	}
}
