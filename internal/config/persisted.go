package config

import (
	"errors"
	"fmt"

	"backbone/internal/trusted"
)

// persistedProblems checks the trusted documents: the manifest must load wherever it is
// named, and running only trusted documents needs one.
func (c Config) persistedProblems() []error {
	if c.PersistedOperationsFile == "" {
		if c.PersistedOperationsOnly {
			return []error{errors.New("PERSISTED_OPERATIONS_ONLY=true needs PERSISTED_OPERATIONS_FILE, the manifest of the operations clients may run")}
		}
		return nil
	}
	if _, err := trusted.Load(c.PersistedOperationsFile); err != nil {
		return []error{fmt.Errorf("PERSISTED_OPERATIONS_FILE: %w", err)}
	}
	return nil
}
