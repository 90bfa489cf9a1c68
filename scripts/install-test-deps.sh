#!/usr/bin/env bash
# Installs the Debian packages the tests drive for real. Idempotent: does
# nothing when everything is present. Needs root (CI runs as root).
#
# The interop harness (services/ike/interop) fails, never skips, when a peer
# is missing; this script is how CI and developers get them.
set -euo pipefail

plugins=/usr/lib/ipsec/plugins
need=()
# want PACKAGE FILE...: the package is needed when any FILE is missing.
want() {
  local pkg=$1
  shift
  local f
  for f in "$@"; do
    if [ ! -e "$f" ]; then
      need+=("$pkg")
      return
    fi
  done
}

command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
want strongswan-charon /usr/lib/ipsec/charon
want strongswan-swanctl /usr/sbin/swanctl
want strongswan-pki /usr/bin/pki
want libstrongswan-standard-plugins "$plugins/libstrongswan-openssl.so" "$plugins/libstrongswan-gcm.so"
want libstrongswan-extra-plugins "$plugins/libstrongswan-curve25519.so"
want libcharon-extra-plugins "$plugins/libstrongswan-kernel-libipsec.so"
want libcharon-extauth-plugins "$plugins/libstrongswan-eap-mschapv2.so"
want iproute2 /usr/sbin/ip
want nftables /usr/sbin/nft
want iputils-ping /usr/bin/ping
want iperf3 /usr/bin/iperf3
want freeradius /usr/sbin/freeradius
want freeradius-utils /usr/bin/radclient

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-test-deps: missing ${need[*]} and not root; install them with apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Do not let the packages start a host charon (strongswan-starter's
# service, nor FreeRADIUS's): the tests run their own, each in a namespace with a private
# /run, and must never meet the host's /run/charon.* sockets.
policy=/usr/sbin/policy-rc.d
created_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  created_policy=1
fi
cleanup() { if [ -n "$created_policy" ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
