package ike

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"net/netip"
	"time"

	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// natHash is the NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP | port)
// (RFC 7296 2.23).
func natHash(spiI, spiR uint64, ap netip.AddrPort) []byte {
	h := sha1.New()
	var b [18]byte
	binary.BigEndian.PutUint64(b[0:], spiI)
	binary.BigEndian.PutUint64(b[8:], spiR)
	h.Write(b[:16])
	h.Write(ap.Addr().Unmap().AsSlice())
	binary.BigEndian.PutUint16(b[16:], ap.Port())
	h.Write(b[16:18])
	return h.Sum(nil)
}

// natDetected checks the peer's NAT detection notifies against the
// addresses the message really travelled between. A peer that sent none
// is taken as not behind a NAT (and not able to float).
func natDetected(ps []wire.Payload, spiI, spiR uint64, src, dst netip.AddrPort) (peerBehind, usBehind, supported bool) {
	peerBehind, usBehind = true, true
	srcHash, dstHash := natHash(spiI, spiR, src), natHash(spiI, spiR, dst)
	for _, p := range ps {
		n, ok := p.(*wire.Notify)
		if !ok {
			continue
		}
		switch n.NotifyType {
		case wire.NAT_DETECTION_SOURCE_IP:
			supported = true
			if hmac.Equal(n.Data, srcHash) {
				peerBehind = false
			}
		case wire.NAT_DETECTION_DESTINATION_IP:
			supported = true
			if hmac.Equal(n.Data, dstHash) {
				usBehind = false
			}
		}
	}
	if !supported {
		return false, false, false
	}
	return peerBehind, usBehind, true
}

// cookie computes the COOKIE notify data for an IKE_SA_INIT request (RFC
// 7296 2.6): a secret version byte and HMAC-SHA256(secret, Ni | IPi |
// SPIi) truncated to 16 bytes.
func (e *Engine) cookie(ver byte, ni []byte, from netip.AddrPort, spiI uint64) []byte {
	e.cookieMu.Lock()
	secret := e.cookieSecret[ver&1]
	e.cookieMu.Unlock()
	m := hmac.New(sha256.New, secret[:])
	m.Write(ni)
	m.Write(from.Addr().AsSlice())
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], spiI)
	m.Write(b[:])
	return append([]byte{ver}, m.Sum(nil)[:16]...)
}

// validCookie checks a returned cookie against the current and previous
// secrets.
func (e *Engine) validCookie(got, ni []byte, from netip.AddrPort, spiI uint64) bool {
	if len(got) != 17 {
		return false
	}
	e.cookieMu.Lock()
	cur := e.cookieVer
	e.cookieMu.Unlock()
	if got[0] != cur && got[0] != cur^1 {
		return false
	}
	return hmac.Equal(got, e.cookie(got[0], ni, from, spiI))
}

func (e *Engine) currentCookie(ni []byte, from netip.AddrPort, spiI uint64) []byte {
	e.cookieMu.Lock()
	v := e.cookieVer
	e.cookieMu.Unlock()
	return e.cookie(v, ni, from, spiI)
}

// rotateCookies changes the cookie secret every few minutes; the previous
// one stays valid for one period.
func (e *Engine) rotateCookies(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.cookieMu.Lock()
			e.cookieVer ^= 1
			io.ReadFull(e.rand, e.cookieSecret[e.cookieVer&1][:])
			e.cookieMu.Unlock()
		}
	}
}
