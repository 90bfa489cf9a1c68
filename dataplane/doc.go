// Package dataplane will hold the Dataplane interface the services program
// (virtual-access interfaces, ESP SAs, routes, counters) and its backends:
// userspace (ESP over TUN devices in Go), xfrm (Linux netlink) and fake
// (records calls for golden tests). See ../shared/DESIGN.md, "Data plane".
//
// It is empty until the data-plane work lands: today "gatehouse run
// --dataplane" only validates its argument. Nothing here may import the
// CLI or configdb: services translate configuration into calls on it.
package dataplane
