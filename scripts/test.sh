#!/usr/bin/env bash
# Sets up a fresh machine and runs every test: unit and cross-module suites under AddressSanitizer
# and UndefinedBehaviorSanitizer, the fuzz seed corpora as plain tests, and the include-layering
# check. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
python3 scripts/check_layering.py
scripts/check-format.sh

cmake --preset asan
cmake --build --preset asan
ctest --preset asan
