#!/usr/bin/env bash
# Installs the bench's load generators when missing (idempotent): wrk from Debian, vegeta (a fixed
# request-rate generator, Go module) into var/tools/bin.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VEGETA_VERSION="v12.12.0"
if ! command -v wrk >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get install -y -q wrk || { apt-get update -q && apt-get install -y -q wrk; }) >/dev/null
  fi
fi
if ! command -v vegeta >/dev/null 2>&1 && [[ ! -x "$ROOT/var/tools/bin/vegeta" ]]; then
  if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then PATH="/usr/local/go/bin:$PATH"; fi
  if ! command -v go >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    (apt-get install -y -q golang-go || { apt-get update -q && apt-get install -y -q golang-go; }) >/dev/null
  fi
  mkdir -p "$ROOT/var/tools/bin"
  GOBIN="$ROOT/var/tools/bin" go install "github.com/tsenart/vegeta/v12@${VEGETA_VERSION}"
fi
# py-spy (the profiler of the bench's profile evidence), pinned in pyproject's "bench" extra
if [[ -x "$ROOT/.venv/bin/pip" && ! -x "$ROOT/.venv/bin/py-spy" ]]; then
  "$ROOT/.venv/bin/pip" install -q --disable-pip-version-check -e "$ROOT[bench]"
fi
