#!/bin/sh
# Runs a command that must refuse its arguments: checks the exit status (a
# crash or a success would not do) and that stderr says why.
# usage: expect-exit.sh STATUS MESSAGE COMMAND [ARGS...]
expected_status=$1
expected_message=$2
shift 2
stderr_file=$(mktemp)
trap 'rm -f "$stderr_file"' EXIT
"$@" 2>"$stderr_file"
status=$?
cat "$stderr_file" >&2
if [ "$status" -ne "$expected_status" ]; then
  echo "FAIL: exit status $status, expected $expected_status" >&2
  exit 1
fi
if ! grep -q -- "$expected_message" "$stderr_file"; then
  echo "FAIL: stderr lacks \"$expected_message\"" >&2
  exit 1
fi
echo "ok: exit status $status with \"$expected_message\""
