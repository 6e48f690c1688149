#!/bin/sh
# Installs Debian's MariaDB server and client, the reference for the expression
# differential test and the coprocessor benchmark. Needs root; does nothing when
# mariadbd is already installed.
set -eu
if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-mariadb.sh: run as root (it uses apt-get)" >&2
  exit 1
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server mariadb-client
