#!/usr/bin/env bash
# Installs the Debian tools the tests and the bench run (promtool from prometheus; wrk) when they are missing.
set -euo pipefail
missing=()
command -v promtool >/dev/null || missing+=(prometheus)
command -v wrk >/dev/null || missing+=(wrk)
[ ${#missing[@]} -eq 0 ] && { echo "ensure-tools: all present"; exit 0; }
if [ "$(id -u)" != 0 ]; then
  echo "ensure-tools: missing ${missing[*]}; install with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "ensure-tools: installing ${missing[*]}"
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
