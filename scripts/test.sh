#!/usr/bin/env bash
# The whole test suite: unit, conformance, end-to-end (netsim and loopback),
# interop with real clients; then every fuzz target built with libFuzzer and
# run briefly on its seed corpus; then the benchmarks built.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# Bazel's convenience link to the execution root is named after this
# directory; //... must not descend into it (.bazelignore lists the usual
# names, this covers a checkout under any other name).
link="bazel-$(basename "$PWD")"
grep -qxF "$link" .bazelignore || echo "$link" >> .bazelignore

echo "== bazel test //..."
bazel test //...

echo "== fuzz smoke run (--config=fuzz, clang + libFuzzer + ASan/UBSan)"
# A separate output base, so switching compilers never invalidates the
# default build's cache.
fuzz_bazel=(bazel --output_base="${HOME}/.cache/lemonade-bazel-fuzz")
if ! "${fuzz_bazel[@]}" build --config=fuzz //fuzz/... >/tmp/lemonade-fuzz-build.log 2>&1; then
  grep -E "ERROR|error:" /tmp/lemonade-fuzz-build.log | head -20 >&2
  echo "fuzz: the build failed; see /tmp/lemonade-fuzz-build.log" >&2
  exit 1
fi
tail -1 /tmp/lemonade-fuzz-build.log
fuzz_bin="$("${fuzz_bazel[@]}" info --config=fuzz bazel-bin 2>/dev/null)"
seconds="${LEMONADE_FUZZ_SECONDS:-5}"
for target in $("${fuzz_bazel[@]}" query 'kind(cc_binary, //fuzz/...)' 2>/dev/null); do
  name="${target##*:}"
  [[ "$name" == *_fuzzer ]] || continue
  corpus="fuzz/${name}_corpus"
  work="$(mktemp -d)"
  [[ -d "$corpus" ]] && cp -r "$corpus"/. "$work"/
  dict=()
  [[ -f "fuzz/${name}.dict" ]] && dict=(-dict="fuzz/${name}.dict")
  if ! "$fuzz_bin/fuzz/$name" "${dict[@]}" -max_total_time="$seconds" -print_final_stats=1 \
      "$work" >"/tmp/lemonade-$name.log" 2>&1; then
    echo "fuzz: $name FAILED" >&2
    tail -40 "/tmp/lemonade-$name.log" >&2
    exit 1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "/tmp/lemonade-$name.log" | grep -o '[0-9]*$' || echo '?')
  echo "fuzz: $name ok ($execs runs in ${seconds}s)"
  rm -rf "$work"
done

echo "== benchmarks build (--config=opt)"
bazel build --config=opt //bench/... 2>&1 | tail -1
echo "== all tests passed"
