#!/usr/bin/env bash
# The demo a newcomer sees: conclave hosts a meeting on this machine and two
# conclave-bots join it. Under Xvfb we wait for the meeting window, take a
# screenshot into the build dir, and check that it shows the others' video:
# the bots' test pattern is a blue field that only appears once their
# frames were received, decrypted and decoded.
set -euo pipefail

conclave=$1
shots="${MESON_BUILD_ROOT:?}/screenshots"
mkdir -p "$shots"
shot="$shots/meeting.png"
rm -f "$shot"
state=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$state"' EXIT

export GSETTINGS_SCHEMA_DIR="$MESON_BUILD_ROOT/data" XDG_STATE_HOME="$state" XDG_CONFIG_HOME="$state"
# Criticals are counted below rather than made fatal: GTK 4.8 sometimes logs
# one from GDBus at start-up when no session bus exists (as under xvfb-run).
G_DEBUG= "$conclave" --demo 2 >"$shots/meeting.log" 2>&1 &
pid=$!

for _ in $(seq 1 100); do
  xwininfo -root -tree 2>/dev/null | grep -q '"Meeting [0-9]* – Conclave"' && break
  kill -0 $pid 2>/dev/null || { cat "$shots/meeting.log"; echo "FAIL: conclave exited"; exit 1; }
  sleep 0.2
done
xwininfo -root -tree | grep '"Meeting [0-9]* – Conclave"' || { echo "FAIL: no meeting window"; exit 1; }

# Wait until the bots' blue test pattern shows in tiles (at most 90 s: a loaded
# machine takes long to get the first keyframe through).
blue=0
for _ in $(seq 1 90); do
  sleep 1
  import -window root "$shot"
  # Pixels close to the test pattern's background #204a87 (the start page has ~30).
  blue=$(convert "$shot" -fuzz 10% -fill '#ff00ff' -opaque '#204a87' -fuzz 0 -fill black +opaque '#ff00ff' \
           -fill white -opaque '#ff00ff' -colorspace gray -format '%[fx:round(mean*w*h)]' info:)
  [ "$blue" -gt 20000 ] && break
done
echo "screenshot: $shot ($blue pixels of the bots' video)"
[ "$blue" -gt 20000 ] || { echo "FAIL: no remote video on screen"; exit 1; }
# Tolerated: GTK 4.8's start-up GDBus critical, and rtpsession's (media/cv-gst-known-issues.h).
if grep -E 'CRITICAL' "$shots/meeting.log" | grep -v -e 'g_dbus_connection_emit_signal: assertion .object_path' -e "g_hash_table_foreach: assertion 'version == hash_table->version'"; then
  echo "FAIL: the app logged criticals"
  exit 1
fi
echo "meeting: ok"
