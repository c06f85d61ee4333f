#!/usr/bin/env bash
# Sets up a fresh machine, builds Sluice and runs the main job: the abalone pipeline of
# examples/abalone, end to end, on the embedded defaults (SQLite state and the local object
# store under the state directory, by default ./.sluice).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target sluice sluice-transform sluice_runtime_scripts

sluice=build/release/src/cli/sluice
definition=examples/abalone/pipeline.json
"$sluice" validate "$definition"
"$sluice" cp examples/abalone/data s3://sluice-examples/abalone/data
"$sluice" cp examples/abalone/code s3://sluice-examples/abalone/code
"$sluice" run "$definition" "$@"
