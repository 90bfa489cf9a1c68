module github.com/gatehouse-vpn/gatehouse

go 1.26.8

require (
	github.com/creack/pty v1.1.24
	github.com/rogpeppe/go-internal v1.16.0
	github.com/vishvananda/netlink v1.3.1
	github.com/vishvananda/netns v0.0.5
	go.etcd.io/bbolt v1.5.0
	golang.org/x/crypto v0.58.0
	golang.org/x/net v0.62.0
	golang.org/x/sys v0.49.0
	golang.org/x/term v0.47.0
	layeh.com/radius v0.0.0-20231213012653-1006025d24f8
)

require golang.org/x/tools v0.36.0 // indirect
