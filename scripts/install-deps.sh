#!/usr/bin/env bash
# Installs the system packages Freshet needs on Debian/Ubuntu: the headers
# librdkafka is built against (the Kafka client builds from source when no
# prebuilt binary can be downloaded), psql, which the integration tests use, and
# the PostgreSQL server (tests start throwaway instances for --storage postgres://),
# and Chromium, which the web console's browser tests drive headless through
# playwright-core (no browser download).
# Safe to run again; skips apt when everything is already there.
set -euo pipefail
packages=(libssl-dev libsasl2-dev zlib1g-dev libzstd-dev liblz4-dev libcurl4-openssl-dev postgresql-client postgresql python3 make g++ chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
