package main

// runQR is implemented by its own issue's work.
func runQR(e *env, args []string) int { return fail(e, exitFail, "qr: not built yet") }
