package main

// runCode is implemented by its own issue's work.
func runCode(e *env, args []string) int { return fail(e, exitFail, "code: not built yet") }
