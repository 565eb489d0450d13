package main

// runURI is implemented by its own issue's work.
func runURI(e *env, args []string) int { return fail(e, exitFail, "uri: not built yet") }
