#!/usr/bin/env bash
# The main job: builds the lemonade binary and runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bazel build -c opt //tools:lemonade >/tmp/lemonade-demo-build.log 2>&1 || {
  tail -50 /tmp/lemonade-demo-build.log >&2
  exit 1
}
bazel-bin/tools/lemonade --help
bazel-bin/tools/lemonade demo "$@"
