package main

import (
	"fmt"
	"log/slog"

	"backbone/internal/config"
	"backbone/internal/trusted"
)

// loadTrustedDocuments reads PERSISTED_OPERATIONS_FILE, when it is set (Validate has
// checked it once already; this read is the one the server keeps).
func loadTrustedDocuments(cfg config.Config, log *slog.Logger) (*trusted.Documents, error) {
	if cfg.PersistedOperationsFile == "" {
		return nil, nil
	}
	docs, err := trusted.Load(cfg.PersistedOperationsFile)
	if err != nil {
		return nil, fmt.Errorf("PERSISTED_OPERATIONS_FILE: %w", err)
	}
	log.Info("trusted documents loaded", "file", cfg.PersistedOperationsFile, "documents", docs.Len(),
		"only", cfg.PersistedOperationsOnly)
	return docs, nil
}
