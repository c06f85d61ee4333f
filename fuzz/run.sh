#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (the `fuzz` preset) and fuzzes each for SECONDS,
# starting from its seed corpus: fuzz/corpus/<target>, plus the shared SDK and real-world
# definitions and the invalid-definitions corpus for the compiler and the JSON reader. Fails when any target
# crashes, leaks, trips a sanitizer, breaks an invariant or exceeds the time limit per input;
# the input that did it is left in build/fuzz/artifacts/<target>/ for replay with
# `build/fuzz/fuzz/<target> FILE`. New inputs go to build/fuzz/corpus/<target>, never the repository.
# Usage: fuzz/run.sh SECONDS
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 1 ] || ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -eq 0 ]; then
  echo "usage: fuzz/run.sh SECONDS (a whole number of seconds per target)" >&2
  exit 2
fi
seconds=$1

scripts/install-deps.sh
cmake --preset fuzz
cmake --build --preset fuzz --target compile_fuzzer expression_fuzzer duration_fuzzer json_fuzzer

shared=${SLUICE_SHARED_DIR:-$(cd .. && pwd)/shared}
build=build/fuzz

# run_target TARGET MAX_LEN DICTIONARY SEED_DIR...: MAX_LEN is the longest input worth trying
# (the largest shared definition is about 54 KB); DICTIONARY may be "" for none.
run_target() {
  local target=$1 max_len=$2 dictionary=$3
  shift 3
  local work="$build/corpus/$target" artifacts="$build/artifacts/$target"
  mkdir -p "$work" "$artifacts"
  local seeds=()
  for seed in "$@"; do
    [ -d "$seed" ] && seeds+=("$seed")
  done
  local options=(-max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048
    -print_final_stats=1 -artifact_prefix="$artifacts/")
  [ -n "$dictionary" ] && options+=(-dict="$dictionary")
  echo "== $target: ${seconds}s"
  # The first corpus directory receives what libFuzzer finds; the seed folders are only read.
  "$build/fuzz/$target" "${options[@]}" "$work" "${seeds[@]}"
}

failed=()
run_target compile_fuzzer 65536 fuzz/definition.dict fuzz/corpus/compile "$shared/fixtures/sdk" \
  "$shared/fixtures/external" tests/invalid || failed+=(compile_fuzzer)
run_target expression_fuzzer 4096 fuzz/definition.dict fuzz/corpus/expression ||
  failed+=(expression_fuzzer)
run_target duration_fuzzer 64 "" fuzz/corpus/duration || failed+=(duration_fuzzer)
run_target json_fuzzer 4096 fuzz/definition.dict fuzz/corpus/json "$shared/fixtures/sdk" ||
  failed+=(json_fuzzer)

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz/run.sh: failed: ${failed[*]} (inputs in $build/artifacts/)" >&2
  exit 1
fi
echo "fuzz/run.sh: every target ran ${seconds}s without a failure"
