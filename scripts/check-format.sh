#!/usr/bin/env bash
# Fails when a C++ file under src/, tests/, fuzz/ or bench/ is not clang-formatted.
# Fix with: clang-format -i FILE
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files 'src/*.h' 'src/*.cc' 'tests/*.cc' 'fuzz/*.cc' 'bench/*.cc' | grep -v '_data\.cc$' || true)
[ -z "$files" ] && exit 0
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files
