#!/usr/bin/env bash
# Makes a throwaway code-signing certificate in DIR for testing sign.sh:
# DIR/test.pfx (PKCS#12) with its password in DIR/pass, and DIR/test.crt to
# verify against. Never used for anything shipped.
# Usage: packaging/windows/sign-check.sh DIR
set -euo pipefail
dir=${1:?usage: $0 DIR}
mkdir -p "$dir"
umask 077
openssl rand -hex 16 > "$dir/pass"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Exact Keeper test signing" \
  -addext "extendedKeyUsage=codeSigning" -keyout "$dir/test.key" -out "$dir/test.crt" 2>/dev/null
openssl pkcs12 -export -inkey "$dir/test.key" -in "$dir/test.crt" -out "$dir/test.pfx" -passout "file:$dir/pass"
rm -f "$dir/test.key"
