#!/usr/bin/env bash
# expect.sh CODE REGEX -- COMMAND...: runs COMMAND, passes iff it exits with CODE ("nonzero" for
# any failure) and its combined output matches the extended regex REGEX.
set -u
code=$1 regex=$2
shift 3
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [[ $code == nonzero ]]; then
  ((rc != 0)) || { echo "expect.sh: expected a failing exit code, got 0"; exit 1; }
elif ((rc != code)); then
  echo "expect.sh: expected exit code $code, got $rc"
  exit 1
fi
grep -Eq -- "$regex" <<<"$out" || { echo "expect.sh: output does not match /$regex/"; exit 1; }
