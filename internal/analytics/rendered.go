package analytics

import (
	"context"
	"encoding/json"
)

// Caches reports whether the service keeps its reads in a memo.
func (s *Service) Caches() bool { return s.memo != nil }

// Rendered returns an answer rendered from the rollups' figures (the API's JSON for one
// field of one document), computed by render on a miss and kept like the figures
// themselves: for CacheTTL, dropped by a rebuild. A rendered answer is made from figures
// that may already be up to CacheTTL old, so it may trail the rollups by up to twice
// CacheTTL. Without a memo, render runs every time.
func (s *Service) Rendered(ctx context.Context, key string, render func(context.Context) (json.RawMessage, error)) (json.RawMessage, error) {
	return cached(ctx, s.memo, "rendered:"+key, render)
}
