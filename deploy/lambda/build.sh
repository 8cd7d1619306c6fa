#!/usr/bin/env bash
# Builds the API for AWS Lambda's provided.al2023 runtime on arm64
# (Graviton): a static binary named bootstrap, zipped.
#   deploy/lambda/build.sh [output.zip]   (default deploy/lambda/alex-api.zip)
# lambda.norpc leaves out the RPC mode only the retired go1.x runtime used.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(realpath -m "${1:-$root/deploy/lambda/alex-api.zip}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$root"
GOOS=linux GOARCH=arm64 CGO_ENABLED=0 \
	go build -tags lambda.norpc -trimpath -ldflags="-s -w" -o "$work/bootstrap" ./cmd/lambda

rm -f "$out"
if command -v zip >/dev/null; then
	(cd "$work" && zip -q -X "$out" bootstrap)
else
	python3 - "$work/bootstrap" "$out" <<'PY'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
    info = zipfile.ZipInfo("bootstrap")
    info.external_attr = 0o755 << 16  # executable, or Lambda cannot start it
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(src, "rb") as f:
        z.writestr(info, f.read())
PY
fi
echo "built $out"
