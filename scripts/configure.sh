#!/usr/bin/env bash
# Usage: scripts/configure.sh BUILD_DIR [cmake options...]
# Configures a build of typegrad in BUILD_DIR, with ccache when it is installed. ccache's base
# directory is the source tree, so that clones and worktrees of the project (a CI run's fresh clone
# among them) share cached objects: paths below it are hashed relative to it.
set -euo pipefail
dir=$1; shift
root=$(cd "$(dirname "$0")/.." && pwd)
launcher=()
command -v ccache >/dev/null && launcher=("-DCMAKE_CXX_COMPILER_LAUNCHER=env;CCACHE_BASEDIR=$root;ccache")
cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" "$@" >/dev/null
