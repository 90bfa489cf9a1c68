// Package logging is the router's logging buffer ("logging buffered",
// "show logging") and its debug registry ("debug crypto ikev2", "show
// debugging"). Services emit lines through it; sessions that ran "terminal
// monitor" and the console receive them as they happen.
//
// It owns no configuration: the buffer size comes from "logging buffered"
// through SetSize.
package logging
