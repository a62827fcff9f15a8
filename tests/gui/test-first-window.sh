#!/usr/bin/env bash
# Launches the real conclave window (under the Xvfb that meson's xvfb-run
# wrapper gives us), waits for it to map, takes a screenshot into the build
# dir, and checks the window's title and that it drew something.
set -euo pipefail

conclave=$1
shots="${MESON_BUILD_ROOT:?}/screenshots"
mkdir -p "$shots"
shot="$shots/start-page.png"
rm -f "$shot"

export GSETTINGS_SCHEMA_DIR="$MESON_BUILD_ROOT/data"
# Criticals are counted below rather than made fatal: GTK 4.8 sometimes logs
# one from GDBus at start-up under xvfb-run (no regular session bus).
G_DEBUG= "$conclave" >"$shots/start-page.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  if xwininfo -root -tree 2>/dev/null | grep -q '"Conclave": ("conclave"'; then
    break
  fi
  kill -0 $pid 2>/dev/null || { echo "FAIL: conclave exited early"; cat "$shots/start-page.log"; exit 1; }
  sleep 0.2
done
xwininfo -root -tree | grep '"Conclave": ("conclave"' || { echo "FAIL: no window titled Conclave mapped"; exit 1; }

sleep 1.5 # let the first frames render
import -window root "$shot"
colors=$(identify -format '%k' "$shot")
echo "screenshot: $shot ($colors colors)"
# The start page draws text, an icon and buttons: a blank or failed render has a handful of colours.
[ "$colors" -gt 50 ] || { echo "FAIL: the screenshot looks blank"; exit 1; }
if grep -E 'CRITICAL|WARNING' "$shots/start-page.log" | grep -v 'g_dbus_connection_emit_signal: assertion .object_path'; then
  echo "FAIL: the app logged warnings"
  exit 1
fi
echo "first window: ok"
