#!/usr/bin/env bash
# Installs the Debian packages the tests drive for real. Idempotent: does
# nothing when everything is present. Needs root (CI runs as root).
set -euo pipefail
need=()
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-test-deps: missing ${need[*]} and not root; install them with apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
