#!/usr/bin/env bash
# with_bundle.sh ATOLL PLAN DIR -- COMMAND...: writes PLAN's bundle into DIR (atoll build --force,
# its output dropped), then runs COMMAND in DIR. For the CLI tests of `atoll build`.
set -eu
atoll=$1 plan=$2 dir=$3
shift 4
"$atoll" build --plan "$plan" --force -o "$dir" >/dev/null
cd "$dir"
exec "$@"
