#!/usr/bin/env bash
# Runs typegrad's whole test suite: a plain optimised build for this host (-march=native), the
# instruction-set-dependent tests at each x86-64 level the host runs, then the tests under
# AddressSanitizer and UndefinedBehaviorSanitizer. Installs missing Debian packages first.
# JOBS sets the parallelism (default: the number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=${JOBS:-$(nproc)}
step() { echo "== [$((SECONDS / 60))m$((SECONDS % 60))s] $*"; }  # each pass's start, with the time so far

step "plain build: tests, examples and benchmarks (build/release)"
scripts/configure.sh build/release
cmake --build build/release -j"$jobs"
ctest --test-dir build/release -j"$jobs" --output-on-failure

# The tests that depend on the instruction set, again at other x86-64 levels than the native pass's,
# at -O2 as most users build: x86-64-v2 (SSE4.2, 4 float lanes: kernels, layers and networks), the
# compiler's default x86-64 (SSE2: the kernels), and on an AVX-512 host x86-64-v3 (AVX2 + FMA, 8 lanes:
# kernels, layers and networks; on an AVX2 host the native pass is that level).
passes=("x86-64-v2 isa" "default isa_kernel")
grep -qw avx512f /proc/cpuinfo && passes+=("x86-64-v3 isa")
for pass in "${passes[@]}"; do
    read -r level label <<<"$pass"
    step "$label tests at $level, -O2 (build/isa-$level)"
    march=$level
    [ "$level" = default ] && march=
    scripts/configure.sh "build/isa-$level" -DTYPEGRAD_MARCH="$march" -DTYPEGRAD_TEST_FEWER_SIZES=ON \
        -DTYPEGRAD_BUILD_BENCH=OFF -DTYPEGRAD_BUILD_EXAMPLES=OFF "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG"
    cmake --build "build/isa-$level" -j"$jobs" --target "${label}_tests"
    ctest --test-dir "build/isa-$level" -j"$jobs" --output-on-failure -L "^${label}\$"
done

# The sanitizers look for memory and undefined-behaviour errors in every code path; the sizes tested,
# as in the per-ISA passes, are a subset that keeps every kind of SIMD tail (TYPEGRAD_TEST_FEWER_SIZES),
# which takes minutes off this pass (the layer conformance test alone took 16 min to build in full).
step "sanitized build of the tests: ASan + UBSan (build/sanitize)"
scripts/configure.sh build/sanitize -DTYPEGRAD_SANITIZE=ON -DTYPEGRAD_TEST_FEWER_SIZES=ON -DTYPEGRAD_BUILD_BENCH=OFF \
    -DTYPEGRAD_BUILD_EXAMPLES=OFF
cmake --build build/sanitize -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build/sanitize -j"$jobs" --output-on-failure -E '^(install_consumer|headers_alone|compile_fail\.)'
step "all passes passed"
