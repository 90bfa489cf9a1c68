package wire

import (
	"bytes"
	"os"
	"testing"
)

// TestStrongSwanIKESAInit parses an IKE_SA_INIT request captured from a real
// strongSwan 5.9.8 charon (docs/dev/strongswan-harness-notes.md), configured
// with proposals aes256-sha256-x25519 and aes128gcm16-prfsha256-ecp256:
// [ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP) N(HASH_ALG) N(REDIR_SUP) ].
func TestStrongSwanIKESAInit(t *testing.T) {
	raw, err := os.ReadFile("testdata/strongswan-ike-sa-init.bin")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	h := m.Header
	if h.Exchange != 34 || h.ResponderSPI != 0 || h.MessageID != 0 || !h.IsInitiator() || h.IsResponse() || int(h.Length) != len(raw) {
		t.Errorf("header %+v", h)
	}
	var types []PayloadType
	for _, p := range m.Payloads {
		types = append(types, p.Type())
	}
	want := []PayloadType{PayloadSA, PayloadKE, PayloadNonce, PayloadNotify, PayloadNotify, PayloadNotify, PayloadNotify, PayloadNotify}
	if len(types) != len(want) {
		t.Fatalf("payloads %v, want %v", types, want)
	}
	sa := m.Payloads[0].(*SA)
	if len(sa.Proposals) != 2 || len(sa.Proposals[0].Transforms) != 4 || len(sa.Proposals[1].Transforms) != 3 {
		t.Errorf("proposals: %+v", sa.Proposals)
	}
	if kl, ok := sa.Proposals[0].Transforms[0].KeyLength(); !ok || kl != 256 {
		t.Errorf("first ENCR key length %d %v", kl, ok)
	}
	if ke := m.Payloads[1].(*KE); ke.Group != 31 || len(ke.Data) != 32 {
		t.Errorf("KE group %d, %d bytes", ke.Group, len(ke.Data))
	}
	if n := m.Payloads[2].(*Nonce); len(n.Data) != 32 {
		t.Errorf("nonce %d bytes", len(n.Data))
	}
	var notifies []NotifyType
	for _, p := range m.Payloads[3:] {
		notifies = append(notifies, p.(*Notify).NotifyType)
	}
	wantN := []NotifyType{NAT_DETECTION_SOURCE_IP, NAT_DETECTION_DESTINATION_IP, IKEV2_FRAGMENTATION_SUPPORTED, SIGNATURE_HASH_ALGORITHMS, REDIRECT_SUPPORTED}
	for i := range wantN {
		if notifies[i] != wantN[i] {
			t.Errorf("notify %d = %v, want %v", i, notifies[i], wantN[i])
		}
	}
	// What strongSwan sent, Gatehouse re-encodes to the same bytes.
	again, err := m.Encode()
	if err != nil || !bytes.Equal(again, raw) {
		t.Errorf("re-encode differs (%v)", err)
	}
}
