#!/bin/sh
# Debian packages the end-to-end tests start as real servers on loopback; installed if missing.
set -eu
missing=
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing="$missing mosquitto"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
echo "installing Debian packages:$missing"
$SUDO apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
