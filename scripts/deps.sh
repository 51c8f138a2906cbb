#!/usr/bin/env bash
# Installs the Debian packages typegrad's build, tests, benchmarks and demo need, if any is missing.
# Idempotent: when everything is installed it only checks.
set -euo pipefail

packages=(
    cmake g++ make ccache
    libboost-dev libboost-test-dev libxsimd-dev xtl-dev  # the library: Boost.Hana, Boost.Test, xsimd
    libbenchmark-dev libeigen3-dev                # benchmarks and their baseline
    nlohmann-json3-dev zlib1g-dev                 # safetensors headers, gzip-compressed IDX files
    clang libclang-rt-14-dev                      # libFuzzer targets for the IDX, CSV and safetensors readers
    python3 python3-matplotlib                    # plots from the examples' output
    dataset-fashion-mnist                         # the demo's data set
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "typegrad: installing missing Debian packages: ${missing[*]}"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
