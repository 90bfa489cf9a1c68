package ike

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
)

const (
	flagIKEv2  = logging.FlagCryptoIKEv2
	flagPacket = logging.FlagCryptoIKEv2Packet
)

// packetDebug logs a sent or received message in IOS's "debug crypto
// ikev2" format:
//
//	IKEv2:(SESSION ID = 69,SA ID = 1):Received Packet [From 172.16.1.1:59040/To 172.16.1.2:500/VRF i0:f0]
//	Initiator SPI : 3A1C6331D3A4726E - Responder SPI : 123A08C78505C625 Message id: 1
//	IKEv2 IKE_AUTH Exchange REQUEST
//	Payload contents:
//	 VID IDi CERTREQ CFG SA
func (sa *ikeSA) packetDebug(format string, a, b netip.AddrPort, h wire.Header, ps []wire.Payload) {
	d := sa.e.dbg
	if !d.On(flagIKEv2) && !d.On(flagPacket) {
		return
	}
	kind := "REQUEST"
	if h.IsResponse() {
		kind = "RESPONSE"
	}
	var sb strings.Builder
	sb.WriteString(sa.prefix())
	fmt.Fprintf(&sb, format, a, b)
	fmt.Fprintf(&sb, "\nInitiator SPI : %016X - Responder SPI : %016X Message id: %d\n", h.InitiatorSPI, h.ResponderSPI, h.MessageID)
	fmt.Fprintf(&sb, "IKEv2 %s Exchange %s\nPayload contents:\n%s", h.Exchange, kind, PayloadContents(ps))
	d.Debugf(flagIKEv2, "%s", sb.String())
}

// PayloadContents lists payloads as IOS's debug output names them
// (" SA KE N VID NOTIFY(NAT_DETECTION_SOURCE_IP)").
func PayloadContents(ps []wire.Payload) string {
	var sb strings.Builder
	for _, p := range ps {
		sb.WriteByte(' ')
		sb.WriteString(payloadName(p))
	}
	return sb.String()
}

func payloadName(p wire.Payload) string {
	switch v := p.(type) {
	case *wire.Nonce:
		return "N"
	case *wire.VendorID:
		return "VID"
	case *wire.CP:
		return "CFG"
	case *wire.Delete:
		return "DELETE"
	case *wire.SK, *wire.SKF:
		return "ENCR"
	case *wire.Notify:
		return "NOTIFY(" + notifyDebugName(v.NotifyType) + ")"
	}
	return p.Type().String()
}

// notifyDebugName is IOS's short name of a notification where it differs
// from the RFC's.
func notifyDebugName(t wire.NotifyType) string {
	switch t {
	case wire.ESP_TFC_PADDING_NOT_SUPPORTED:
		return "ESP_TFC_NO_SUPPORT"
	case wire.NON_FIRST_FRAGMENTS_ALSO:
		return "NON_FIRST_FRAGS"
	}
	return t.String()
}
