// Package cli runs CLI sessions: one Session per console, SSH channel or
// attach connection, all executing lines against the modes table the same
// way. It owns line handling that is not grammar: comments, pipes
// ("| include ..."), "do", walking up to parent modes, privilege checks,
// history, paging, IOS error rendering with the caret, and the three front
// ends (interactive line editor, piped script, SSH server, attach socket).
//
// It must not interpret commands itself (that is modes) nor touch the
// database except through configdb updates made on a handler's behalf.
package cli
