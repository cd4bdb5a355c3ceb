#!/usr/bin/env bash
# Runs one Python interop test with Debian's Python (it has python3-aiosmtpd)
# and the lemonade binary from the runfiles.
set -euo pipefail
export LEMONADE_BINARY="${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/lemonade"
script="${TEST_SRCDIR}/${TEST_WORKSPACE}/tests/interop/$1"
cd "${TEST_TMPDIR:-/tmp}"
exec /usr/bin/python3 "$script"
