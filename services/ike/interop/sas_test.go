package interop

import (
	"net/netip"
	"os"
	"reflect"
	"testing"
	"time"
)

// testdata/list-sas-client.txt is `swanctl --list-sas --pretty` from the
// client of TestHarnessStrongSwanToStrongSwan (strongSwan 5.9.8).
func TestParseListSAs(t *testing.T) {
	data, err := os.ReadFile("testdata/list-sas-client.txt")
	if err != nil {
		t.Fatal(err)
	}
	sas, err := ParseListSAs(string(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(sas) != 1 {
		t.Fatalf("got %d IKE SAs, want 1", len(sas))
	}
	sa := sas[0]
	sa.Raw = nil
	for i := range sa.Children {
		sa.Children[i].Raw = nil
	}
	want := IKESA{
		Name: "home", UniqueID: "1", Version: 2, State: "ESTABLISHED", Initiator: true,
		InitiatorSPI: "1a6d0f331dab65af", ResponderSPI: "eedb0ed868fc006d",
		LocalHost: netip.MustParseAddr("192.168.100.2"), LocalPort: 4500, LocalID: "client1.gatehouse.test",
		RemoteHost: netip.MustParseAddr("10.99.0.1"), RemotePort: 4500, RemoteID: "headend.gatehouse.test",
		NATLocal: true, NATRemote: true, NATAny: true,
		EncrAlg: "AES_GCM_16", EncrKeysize: 128, PRFAlg: "PRF_HMAC_SHA2_256", DHGroup: "CURVE_25519",
		RekeyTime: 13313 * time.Second,
		LocalVIPs: []netip.Addr{netip.MustParseAddr("10.10.0.1")},
		Children: []ChildSA{{
			Name: "home", UniqueID: "1", ReqID: "1", State: "INSTALLED", Mode: "TUNNEL", Protocol: "ESP",
			Encap: true, SPIIn: "c6ae019b", SPIOut: "bf508fda", EncrAlg: "AES_GCM_16", EncrKeysize: 128,
			RekeyTime: 3371 * time.Second, LifeTime: 3960 * time.Second,
			LocalTS: []string{"10.10.0.1/32"}, RemoteTS: []string{"0.0.0.0/0"},
		}},
	}
	if !reflect.DeepEqual(sa, want) {
		t.Errorf("parsed\n%+v\nwant\n%+v", sa, want)
	}
}

func TestParseListSAsEmpty(t *testing.T) {
	sas, err := ParseListSAs("list-sas reply {\n}\n")
	if err != nil || len(sas) != 0 {
		t.Errorf("got %v, %v; want no SAs", sas, err)
	}
}

func TestParseListSAsTruncated(t *testing.T) {
	if _, err := ParseListSAs("list-sa event {\n  home {\n    local-vips = [\n"); err == nil {
		t.Error("truncated output parsed without error")
	}
}
