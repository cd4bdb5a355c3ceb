#!/usr/bin/env bash
# Loads every shipped Mahimahi trace (netsim/traces/mahimahi, or
# $LEMONADE_TRACES_DIR) into its netsim profile, checks the line counts and
# runs a bulk download over each.
# Usage: shipped_traces_test.sh <netsim_testtool> <trace folder in runfiles>
set -euo pipefail
tool="$1"
dir="${LEMONADE_TRACES_DIR:-$2}"
if [[ ! -d "$dir" ]]; then
  echo "FAIL: trace folder $dir not found" >&2
  exit 1
fi
fail=0
while read -r name up down; do
  if ! { cat "$dir/$up"; echo "---"; cat "$dir/$down"; } | "$tool" check-trace "$name"; then
    echo "FAIL: $name" >&2
    fail=1
  fi
done < <("$tool" list-traces)
exit $fail
