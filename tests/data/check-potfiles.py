#!/usr/bin/env python3
"""Fails when a file with translatable strings is missing from po/POTFILES.in,
or when POTFILES.in names a file that does not exist."""
import os
import re
import sys

root = sys.argv[1]
translatable = re.compile(r'\b(N?_|C_|NC_|g_dngettext|ngettext)\s*\(\s*"|translatable="yes"|<summary>')
scanned_dirs = ["app", "ui", "media", "server", "data", "e2ee"]
suffixes = (".c", ".h", ".ui", ".in", ".xml")

listed = set()
with open(os.path.join(root, "po", "POTFILES.in"), encoding="utf-8") as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith("#"):
            listed.add(line)

found = set()
for d in scanned_dirs:
    for dirpath, _dirs, files in os.walk(os.path.join(root, d)):
        for name in files:
            if not name.endswith(suffixes) or name.endswith(".gresource.xml"):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                if translatable.search(f.read()):
                    found.add(os.path.relpath(path, root))

missing = sorted(found - listed)
stale = sorted(p for p in listed if not os.path.exists(os.path.join(root, p)))
for p in missing:
    print(f"FAIL: {p} has translatable strings but is not in po/POTFILES.in")
for p in stale:
    print(f"FAIL: po/POTFILES.in names {p}, which does not exist")
print(f"potfiles: {len(found)} files with translatable strings, {len(missing)} missing, {len(stale)} stale")
sys.exit(1 if missing or stale else 0)
