package config

// fileLimitCap stands in for an open-file limit that is unknown or unlimited: Linux's
// default ceiling on any process's limit (fs.nr_open).
const fileLimitCap = 1 << 20

// ConnectionCeiling is the most websockets and event streams the server holds at once,
// given the process's open-file limit (0: unknown). Each holds a file descriptor, so
// the ceiling leaves the rest of the limit to everything else: the database, Redis and
// RabbitMQ connections, plain HTTP clients, sockets being refused, log files. The
// headroom is a fifth of the limit, at least 256 descriptors (half of a limit under 512).
// WS_MAX_CONNECTIONS may lower the ceiling, never raise it past that.
func (c Config) ConnectionCeiling(fileLimit uint64) int {
	limit := int(min(fileLimit, fileLimitCap))
	if limit == 0 {
		limit = fileLimitCap
	}
	ceiling := limit - max(limit/5, min(256, limit/2))
	if c.WSMaxConns > 0 && c.WSMaxConns < ceiling {
		return c.WSMaxConns
	}
	return ceiling
}
