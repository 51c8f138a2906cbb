#!/usr/bin/env bash
# Installs the Debian packages typegrad's build, tests, benchmarks and demo need, if any is missing.
# Idempotent: when everything is installed it only checks.
set -euo pipefail

packages=(
    cmake g++ make ccache
    libboost-dev libboost-test-dev libxsimd-dev xtl-dev  # the library: Boost.Hana, Boost.Test, xsimd
    libbenchmark-dev libeigen3-dev                # benchmarks and their baseline
    rapidjson-dev zlib1g-dev                      # safetensors headers, gzip-compressed IDX files
    clang libclang-rt-14-dev                      # libFuzzer targets for the IDX, CSV and safetensors readers
    python3 python3-matplotlib                    # plots from the examples' output
    python3-torch                                 # the PyTorch parity tests (tests/interop), run, not skipped
    libopenmpi-dev openmpi-bin libboost-mpi-dev   # typegrad::mpi (tg::mpi::fit): its tests and examples
)
# Wanted but not needed: without the data set, the demo trains on the seed's blue/red points instead
# and the tests use small generated files.
optional=(dataset-fashion-mnist)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
missing=() missing_optional=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
for p in "${optional[@]}"; do installed "$p" || missing_optional+=("$p"); done
all_missing=("${missing[@]}" "${missing_optional[@]}")
[ ${#all_missing[@]} -eq 0 ] && exit 0

echo "typegrad: installing missing Debian packages: ${all_missing[*]}"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq || echo "typegrad: apt-get update failed; trying with the package lists there are"
[ ${#missing[@]} -eq 0 ] || "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
[ ${#missing_optional[@]} -eq 0 ] || "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing_optional[@]}" ||
    echo "typegrad: could not install ${missing_optional[*]}; going on without it"
