#!/usr/bin/env bash
# Sets up a fresh machine, builds Sluice and runs the main job on the abalone pipeline that the
# SageMaker Python SDK emits: validate it, then draw its DAG.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target sluice

definition=examples/abalone/pipeline.json
build/release/src/cli/sluice validate "$definition"
build/release/src/cli/sluice graph "$definition"
