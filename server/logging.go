package main

import (
	"fmt"
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
// closing them. It fails, naming the variable, on a file that cannot be opened for
// appending: lumberjack would drop every line for it. closeLog writes out what w's
// buffer holds; call it once done logging.
func newLogger(cfg config.Config, w io.Writer) (log *slog.Logger, closeLog func(), err error) {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated by config.Validate
	files, err := fileHandlers(cfg, level)
	if err != nil {
		return nil, nil, err
	}
	out, buffered := logOutput(w, cfg.LogFlushInterval)
	stdout := logHandler(cfg, out, level)
	closeLog = func() {}
	if buffered != nil {
		stdout = flushOnError{Handler: stdout, out: buffered}
		closeLog = func() { _ = buffered.close() }
	}
	if len(files) == 0 {
		return slog.New(stdout), closeLog, nil
	}
	return slog.New(slog.NewMultiHandler(append([]slog.Handler{stdout}, files...)...)), closeLog, nil
}

// fileHandlers are the handlers of LOG_FILE (at LOG_LEVEL) and LOG_ERROR_FILE (errors).
func fileHandlers(cfg config.Config, level slog.Level) ([]slog.Handler, error) {
	var handlers []slog.Handler
	for _, f := range []struct {
		name, path string
		level      slog.Level
	}{{"LOG_FILE", cfg.LogFile, level}, {"LOG_ERROR_FILE", cfg.LogErrorFile, slog.LevelError}} {
		if f.path == "" {
			continue
		}
		file, err := rotated(cfg, f.path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		handlers = append(handlers, logHandler(cfg, file, f.level))
	}
	return handlers, nil
}

func logHandler(cfg config.Config, w io.Writer, level slog.Level) slog.Handler {
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}

// rotated is a log file that lumberjack rotates at LOG_FILE_MAX_MB, keeping
// LOG_FILE_BACKUPS old files, compressed. An empty write opens it now, as lumberjack
// opens it for the first line (making its directory, creating it), so that a file
// that cannot be written fails here.
func rotated(cfg config.Config, path string) (io.Writer, error) {
	l := &lumberjack.Logger{Filename: path, MaxSize: cfg.LogFileMaxMB, MaxBackups: cfg.LogFileBackups, Compress: true}
	if _, err := l.Write(nil); err != nil {
		return nil, err
	}
	return l, nil
}
