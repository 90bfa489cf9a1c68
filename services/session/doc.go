// Package session is the crypto session table of the head-end: the model of
// the IKEv2 SAs, IPsec flows and Virtual-Access sessions that the IKE engine
// establishes, and the IOS text that shows them ("show crypto session",
// "show crypto ikev2 sa|session [detail]", "show crypto ipsec sa", "show
// crypto ikev2 stats [reconnect]") together with the audit-session-id that
// AAA and RADIUS packet-of-disconnect use to name a session.
//
// # What it owns
//
// The shape of a session as IOS presents it (Session, IKESA, Flow,
// Capabilities) and the rendering of that shape byte for byte as seed 001
// shows it (docs/dev/seedcat/show-outputs.ascii.txt). The golden tests in
// this package rebuild the seed's sessions and compare the output with the
// seed text.
//
// # What it must not do
//
// It opens no sockets, does no cryptography and holds no key material: the
// IKE engine (services/ike) negotiates SAs and fills these values, the data
// plane installs them. SPIs here are identifiers for display, nothing more.
// It also has no state of its own yet: the values are plain data the caller
// passes in. When the engine lands, the table's owner (one goroutine, as
// STYLE.md asks) will live here and hand copies to the renderers.
package session
