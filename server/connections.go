package main

import (
	"log/slog"

	"backbone/graph/gqlws"
	"backbone/internal/config"
)

// connectionLimits are the bounds on websockets and event streams: per address, and a
// ceiling below the open-file limit, so that a flood of sockets leaves descriptors for
// the database, Redis and HTTP (readiness keeps answering).
func connectionLimits(cfg config.Config, log *slog.Logger) gqlws.Limits {
	files := openFileLimit()
	ceiling := cfg.ConnectionCeiling(files)
	if cfg.WSMaxConns > ceiling {
		log.Warn("WS_MAX_CONNECTIONS is above what the open-file limit allows: using the lower ceiling",
			"WS_MAX_CONNECTIONS", cfg.WSMaxConns, "open_file_limit", files, "ceiling", ceiling)
	}
	log.Info("connection limits", "total", ceiling, "open_file_limit", files,
		"per_ip", cfg.WSMaxConnsPerIP, "anonymous_per_ip", cfg.WSMaxAnonymousPerIP, "per_user", cfg.WSMaxConnsPerUser)
	return gqlws.Limits{Total: ceiling, PerIP: cfg.WSMaxConnsPerIP, AnonymousPerIP: cfg.WSMaxAnonymousPerIP}
}
