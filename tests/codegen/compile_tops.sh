#!/usr/bin/env bash
# compile_tops.sh CXX DIR: compiles every cluster_*/kern_*/top.cpp of the bundle in DIR on its
# own, as Vitis HLS would, with CXX -std=c++14 (what Vitis HLS compiles: codegen/tcl.h) and
# -Wall -Wextra -Werror -fno-exceptions -fno-rtti -fsyntax-only against the bundle's include/
# (and its shim, as the bundle's Makefile does without Vitis), one job per CPU. Prints
# "N top.cpp compile" or the compiler's messages and exits 1.
set -eu
cxx=$1 dir=$2
cd "$dir"
flags="-std=c++14 -Wall -Wextra -Werror -fno-exceptions -fno-rtti -fsyntax-only -Iinclude -Iinclude/shim"
tops=$(ls cluster_*/kern_*/top.cpp)
# shellcheck disable=SC2086
if ! printf '%s\n' $tops | xargs -P "$(nproc)" -n 1 "$cxx" $flags; then
  exit 1
fi
echo "$(printf '%s\n' $tops | wc -l) top.cpp compile"
