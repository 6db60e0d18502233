package main

import (
	"errors"

	"backbone/internal/config"
)

// errNoSharedBus refuses a split deployment without Redis: the workers publish live
// updates on the bus, and the in-process bus reaches only its own process, so an API
// apart from its workers would never see them.
var errNoSharedBus = errors.New("REDIS_URL is required when the API and the workers run in separate processes " +
	"(`backbone worker`, or `serve` with RUN_WORKERS=false): live updates travel between them on the Redis bus, " +
	"and without it every subscription would silently miss what the workers do")

// checkSplitDeployment returns errNoSharedBus when this process runs only one half of
// Backbone (apart: the API without workers, or the workers without the API) and no
// shared bus is configured.
func checkSplitDeployment(cfg config.Config, apart bool) error {
	if apart && cfg.RedisURL == "" {
		return errNoSharedBus
	}
	return nil
}
