// Package testvec reads known-answer test vectors as the RFCs print them
// (hex broken by spaces and line breaks) and compares bytes against them,
// for the crypto and wire-format tests of ESP and IKE.
//
// Only tests import it. It depends on the standard library alone, so a
// test of any package, services/ike/suite included, can use it without
// an import cycle.
package testvec
