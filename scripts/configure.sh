#!/usr/bin/env bash
# Usage: scripts/configure.sh BUILD_DIR [cmake options...]
# Configures a build of typegrad in BUILD_DIR, with ccache when it is installed.
set -euo pipefail
dir=$1; shift
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$(dirname "$0")/.." -B "$dir" -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" "$@" >/dev/null
