#!/usr/bin/env bash
# Installs, once, the Debian packages the tests drive: xmllint (schema validation of every
# response) and exchangelib (a real EWS client). Idempotent; quiet when all is present.
set -euo pipefail
need=()
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
/usr/bin/python3 -c 'import exchangelib' >/dev/null 2>&1 || need+=(python3-exchangelib)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: missing ${need[*]}; install them (apt-get install ${need[*]}) or the tests that need them fail" >&2
  exit 0
fi
echo "test-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
