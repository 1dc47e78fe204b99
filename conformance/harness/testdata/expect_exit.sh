#!/bin/sh
# Runs a command and checks its exit status and that its output (stdout and stderr) matches an extended
# regular expression. Used by the CTest cases that prove the harness reports broken implementations.
# usage: expect_exit.sh STATUS REGEX COMMAND [ARG...]
set -eu
if [ "${1:-}" = "--help" ] || [ $# -lt 3 ]; then
  echo "usage: $0 STATUS REGEX COMMAND [ARG...]" >&2
  [ "${1:-}" = "--help" ] && exit 0
  exit 2
fi
want=$1
regex=$2
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
"$@" >"$out" 2>&1
got=$?
set -e
cat "$out"
if [ "$got" != "$want" ]; then
  echo "expect_exit: exit status $got, expected $want" >&2
  exit 1
fi
if ! grep -Eq -- "$regex" "$out"; then
  echo "expect_exit: output does not match /$regex/" >&2
  exit 1
fi
echo "expect_exit: exit $got and output matching /$regex/ as expected"
