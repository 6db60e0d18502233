package main

import (
	"io"
	"log/slog"

	"gopkg.in/natefinch/lumberjack.v2"

	"backbone/internal/config"
)

// newLogger returns the process logger: JSON in production, text in development, on w
// (buffered and written every LOG_FLUSH_INTERVAL, or, with 0, lines ready at once written
// together: see bufferedLog and groupWriter), and also into LOG_FILE (every line) and
// LOG_ERROR_FILE (errors only) when they are set, each rotated by size with lumberjack.
// The files' writes are unbuffered: nothing is lost when the process exits without
// closing them. closeLog writes out what w's buffer holds; call it once done logging.
func newLogger(cfg config.Config, w io.Writer) (log *slog.Logger, closeLog func()) {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated by config.Validate
	out, buffered := logOutput(w, cfg.LogFlushInterval)
	stdout := logHandler(cfg, out, level)
	closeLog = func() {}
	if buffered != nil {
		stdout = flushOnError{Handler: stdout, out: buffered}
		closeLog = func() { _ = buffered.close() }
	}
	handlers := []slog.Handler{stdout}
	if cfg.LogFile != "" {
		handlers = append(handlers, logHandler(cfg, rotated(cfg, cfg.LogFile), level))
	}
	if cfg.LogErrorFile != "" {
		handlers = append(handlers, logHandler(cfg, rotated(cfg, cfg.LogErrorFile), slog.LevelError))
	}
	if len(handlers) == 1 {
		return slog.New(handlers[0]), closeLog
	}
	return slog.New(slog.NewMultiHandler(handlers...)), closeLog
}

func logHandler(cfg config.Config, w io.Writer, level slog.Level) slog.Handler {
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}

// rotated is a log file that lumberjack rotates at LOG_FILE_MAX_MB, keeping
// LOG_FILE_BACKUPS old files, compressed.
func rotated(cfg config.Config, path string) io.Writer {
	return &lumberjack.Logger{Filename: path, MaxSize: cfg.LogFileMaxMB, MaxBackups: cfg.LogFileBackups, Compress: true}
}
