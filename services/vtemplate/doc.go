// Package vtemplate clones virtual-templates into virtual-access
// interfaces, one per IKE/IPsec session (seed 001, "Per-Session
// Interface").
//
// # What it owns
//
// The table of live virtual-access interfaces: their numbers (the lowest
// free one, reused as soon as an interface goes, as IOS numbers them),
// their derived configuration, the data plane interface each is
// programmed as, and the count of clones per template that locks the
// template against configuration ("% Virtual-template config is locked,
// active vaccess present").
//
// # How a clone is derived
//
// In the seed's order (001:640-655, 765-783):
//
//  1. the virtual-template's configuration, read from configdb (the
//     profile's ivrf lies beneath it: the template's "vrf forwarding"
//     wins);
//  2. the interface-config lines of the authorizations: group, implicit,
//     user (implicit, user, group with "aaa authorization group
//     override"). A later line overwrites an earlier one, except
//     service-policy, which IOS will not replace without a "no" first;
//     "vrf forwarding" removes the addresses configured before it, as in
//     IOS. Lines for commands this package does not model are kept
//     verbatim in the derived configuration; modelled commands with bad
//     arguments are not applied and are reported in
//     VirtualAccess.Rejected;
//  3. the session: tunnel destination from the peer's address, tunnel
//     source from the local address unless configured (a configured
//     address must be the local one), and, with "virtual-template N mode
//     auto", the tunnel mode from the traffic selectors and the outer
//     address family.
//
// Reapply (CoA) applies further lines to a live interface, all or none;
// there service-policy lines do replace the attached policy (seed
// 001:1203-1222).
//
// # Per-session access lists
//
// A CoA's inacl/outacl entries become access lists of the session's own
// ("Virtual-Access1#2601", seed 001:1232-1290). The AAA service builds
// and names them; ApplySessionACLs installs them on the interface
// together with the "IP access-group NAME in|out" lines that apply them,
// all or none. They are operational state like the interface: never in
// configdb (so never in the running configuration), shown by "show ip
// access-lists" through VirtualAccess.SessionACLs, compiled for the
// data plane as configured lists are (a per-session list wins over a
// configured list of the same name on its interface), and dropped when
// no access group names them any more (a later CoA replaced them) or
// the interface goes.
//
// # Output formats
//
// "debug vtemplate cloning" blocks are the seed's (001:785-812, 1197-1200,
// 1276-1279). The byte count is the length of the command text applied:
// each line and "end" with a newline, plus a terminating NUL; this gives
// the seed's 45, 30, 30 and 86 bytes. (The seed's CoA service-policy
// example says 99 bytes where this rule gives 87; three examples against
// one, the rule stands.) The template block lists the template's commands
// without its IP addressing (ip address, ip unnumbered, ipv6 unnumbered),
// which the seed's 45-byte clone of a template with "ip unnumbered"
// leaves out.
//
// # What it must not do
//
// It never writes configdb: a virtual-access interface is operational
// state, not configuration. It holds no lock across a data plane call or a
// configdb read, and no call is O(n) in the number of interfaces except
// List (for show commands). It does not build or name the per-session
// ACLs a CoA brings ("Virtual-Access1#2601"): the AAA service does, and
// passes them here with the "IP access-group" lines.
package vtemplate
