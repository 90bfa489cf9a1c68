// Package grammar turns IOS-style command declarations into a command graph
// and matches typed-in lines against it.
//
// A command is declared FRR-style: one definition string and one help string
// per token, for example
//
//	Def:  "[no] dpd <10-3600> <2-60> <on-demand|periodic>"
//	Help: "Negate...\nEnable IKE liveness check for peers\nDPD interval\n..."
//
// Token syntax: lowercase literals (matched case-insensitively, abbreviable
// to any unique prefix); WORD and other upper-case variables; LINE (the rest
// of the line, verbatim); A.B.C.D, A.B.C.D/M, X:X::X:X, X:X::X:X/M; ranges
// <1-200>; [optional], <a|b> (exactly one of), {a|b} (any of, any order, each
// at most once); NAME$bind to give a token a binding name; a leading [no]
// declares both the positive and the negated form.
//
// Matching keeps every partial interpretation alive while it reads the line
// (look-ahead), ranks each word's match (exact literal, unique literal prefix,
// range, address, word, line) and picks the best interpretation; two best
// interpretations that disagree on a keyword make the line ambiguous. Errors
// are IOS's, with the caret position for "% Invalid input detected".
//
// The package knows nothing about modes, sessions or handlers: a command's
// Action is opaque to it. It must stay free of I/O so the matcher can be
// fuzzed and benchmarked on its own.
package grammar
