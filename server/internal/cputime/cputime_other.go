//go:build !unix

// Package cputime reads the CPU time the process has used, for the
// benchmarks that report CPU per operation (server, server/api).
package cputime

import "time"

// Process is 0 here: the CPU time is not read on this system.
func Process() time.Duration { return 0 }
