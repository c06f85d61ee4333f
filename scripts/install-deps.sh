#!/usr/bin/env bash
# Installs the Debian packages Sluice builds and tests with. Safe to run again: it only asks apt
# for what is missing.
set -euo pipefail

# Boost is Debian's default (1.74): python3-xgboost needs python3-scipy, whose python3-pythran
# depends on libboost-dev 1.74, which conflicts with libboost1.81-dev (docs/adr/0002).
# clang's libFuzzer and sanitizer runtimes (fuzz/run.sh) are in libclang-rt-dev, which clang only
# recommends.
packages=(
  cmake ninja-build g++ clang libclang-rt-dev clang-format
  nlohmann-json3-dev libcli11-dev libboost-dev libsqlite3-dev libarchive-dev libssl-dev
  libcurl4-openssl-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  bubblewrap
  python3 python3-pandas python3-sklearn python3-xgboost
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
