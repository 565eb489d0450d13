package api

import (
	"log/slog"
	"time"
)

func levelFor(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelInfo
	default:
		return slog.LevelDebug
	}
}

// slogAttrs are a request's log fields. The path is logged, never the query
// string, headers or body.
func slogAttrs(method, route, path string, status, size int, took time.Duration, addr string) []slog.Attr {
	return []slog.Attr{
		slog.String("method", method), slog.String("route", route), slog.String("path", path),
		slog.Int("status", status), slog.Int("bytes", size), slog.Duration("took", took), slog.String("client", addr),
	}
}
