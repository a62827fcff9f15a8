#!/usr/bin/env python3
"""Seeds each fuzz target's corpus with real inputs taken from the official
test vectors, so that fuzzing starts from valid messages and mutates them.

Usage: seed-corpus.py VECTORS_DIR BUILD_DIR   (writes BUILD_DIR/corpus-NAME/)
Only what the vectors hold is used; nothing is copied into the project.
"""
import hashlib
import json
import os
import sys

vectors, out = sys.argv[1], sys.argv[2]


def load(rel):
    path = os.path.join(vectors, rel)
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return data


# Small seeds keep libFuzzer's input length, and each run, short.
MAX_SEEDS = 60
MAX_SEED_BYTES = 16 * 1024


def seed(target, hexes):
    d = os.path.join(out, "corpus-" + target)
    os.makedirs(d, exist_ok=True)
    n = 0
    for h in hexes:
        if not h or len(h) > 2 * MAX_SEED_BYTES or n >= MAX_SEEDS:
            continue
        b = bytes.fromhex(h)
        name = hashlib.sha1(b).hexdigest()
        with open(os.path.join(d, name), "wb") as f:
            f.write(b)
        n += 1
    return n


messages = load("mls/messages.json")
protection = load("mls/message-protection.json")
deserialization = load("mls/deserialization.json")
sframe = load("sframe/test-vectors.json")
trees = load("mls/tree-validation.json")

mls_messages = [m.get(k) for m in messages for k in (
    "mls_welcome", "mls_group_info", "mls_key_package", "public_message_application",
    "public_message_proposal", "public_message_commit", "private_message")]
counts = {
    "codec": seed("codec", [d["vlbytes_header"] for d in deserialization]
                  + [m.get("ratchet_tree") for m in messages]),
    "wire-header": seed("wire-header", mls_messages),
    "key-package": seed("key-package", [m.get("mls_key_package") for m in messages]),
    "welcome": seed("welcome", [m.get("mls_welcome") for m in messages]),
    "group-info": seed("group-info", [m.get("mls_group_info") for m in messages]),
    "commit": seed("commit", [m.get("commit") for m in messages]),
    "ratchet-tree": seed("ratchet-tree", [m.get("ratchet_tree") for m in messages]
                         + [t.get("tree") for t in trees]),
    "public-message": seed("public-message", [p.get(k) for p in protection
                                              for k in ("proposal_pub", "commit_pub")]
                           + [m.get(k) for m in messages for k in (
                               "public_message_application", "public_message_proposal",
                               "public_message_commit")]),
    "private-message": seed("private-message", [p.get(k) for p in protection
                                                for k in ("proposal_priv", "commit_priv", "application_priv")]
                            + [m.get("private_message") for m in messages]),
    "group": seed("group", mls_messages),
    "sframe": seed("sframe", [s.get("ct") for s in (sframe.get("sframe", []) if isinstance(sframe, dict) else [])]
                   + [h.get("encoded") for h in (sframe.get("header", []) if isinstance(sframe, dict) else [])]),
}
print("seeded: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
