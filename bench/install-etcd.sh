#!/bin/sh
# Installs the reference etcd for `npm run bench:rawkv-cluster` (Debian's etcd-server).
# Needs root; does nothing when etcd is already on the PATH.
set -eu
if command -v etcd >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-etcd.sh: run as root (it uses apt-get)" >&2
  exit 1
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y etcd-server
