#!/usr/bin/env bash
# Runs typegrad's whole test suite: a plain optimised build, then the same tests under
# AddressSanitizer and UndefinedBehaviorSanitizer. Installs missing Debian packages first.
# JOBS sets the parallelism (default: the number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=${JOBS:-$(nproc)}

echo "== plain build: tests, examples and benchmarks (build/release)"
scripts/configure.sh build/release
cmake --build build/release -j"$jobs"
ctest --test-dir build/release -j"$jobs" --output-on-failure

echo "== sanitized build of the tests: ASan + UBSan (build/sanitize)"
scripts/configure.sh build/sanitize -DTYPEGRAD_SANITIZE=ON -DTYPEGRAD_BUILD_BENCH=OFF -DTYPEGRAD_BUILD_EXAMPLES=OFF
cmake --build build/sanitize -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build/sanitize -j"$jobs" --output-on-failure -E '^(install_consumer|headers_alone|compile_fail\.)'
