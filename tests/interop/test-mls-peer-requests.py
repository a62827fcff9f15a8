#!/usr/bin/env python3
"""test-mls-peer-requests.py PEER: conclave-mls-peer answers every request,
malformed ones with {"ok": false, "code", "error"}, and stays usable.

Also a short session between two states of the one peer (create, KeyPackage,
commit with Welcome, join, application data, exporter and epoch
authenticator agreement, remove), so that the error cases are checked
against a peer that otherwise works.
"""
import json
import random
import subprocess
import sys

failures = 0
cases = 0


def check(what, ok, detail=""):
    global failures, cases
    cases += 1
    if not ok:
        failures += 1
        print(f"FAIL: {what} {detail}")
    return ok


class Peer:
    def __init__(self, path):
        self.proc = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     bufsize=0)

    def raw(self, line):
        """Sends one raw line (bytes) and returns the parsed reply."""
        self.proc.stdin.write(line + b"\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        if not reply:
            raise RuntimeError("the peer closed its output (crashed?)")
        return json.loads(reply)

    def call(self, op, **fields):
        fields["op"] = op
        fields["id"] = op
        r = self.raw(json.dumps(fields).encode())
        if r.get("id") != op:
            raise RuntimeError(f"reply id {r.get('id')!r} for {op}")
        return r

    def ok(self, op, **fields):
        r = self.call(op, **fields)
        check(op, r.get("ok") is True, json.dumps(r)[:300])
        return r

    def close(self):
        self.proc.stdin.close()
        return self.proc.wait(timeout=30)


def refused(peer, what, line_or_op, code=None, **fields):
    if isinstance(line_or_op, bytes):
        r = peer.raw(line_or_op)
    else:
        r = peer.call(line_or_op, **fields)
    good = r.get("ok") is False and isinstance(r.get("error"), str) and r["error"]
    if code is not None:
        good = good and r.get("code") == code
    check(f"refused: {what}", good, json.dumps(r)[:300])
    if good:
        print(f"  refused as expected: {what}: {r['code']}: {r['error'][:120]}")


def main():
    peer = Peer(sys.argv[1])
    hx = lambda s: s.encode().hex()

    # Garbage lines.
    refused(peer, "not JSON", b"{nope", "bad-request")
    refused(peer, "a JSON array", b"[1,2]", "bad-request")
    refused(peer, "a JSON string", b"\"create_group\"", "bad-request")
    refused(peer, "no op", b"{\"id\": 1}", "bad-request")
    refused(peer, "op not a string", b"{\"op\": 7}", "bad-request")
    refused(peer, "unknown op", "frobnicate", "bad-request")
    refused(peer, "unsupported op", "reinit_proposal", "unsupported", state_id=1)
    refused(peer, "binary junk", bytes(range(1, 10)) + b"\xff\xfe", "bad-request")

    # Bad fields.
    refused(peer, "suite out of range", "create_group", "bad-request", cipher_suite=70000)
    refused(peer, "suite unknown", "create_group", "unsupported", cipher_suite=99,
            group_id="00", identity="00")
    refused(peer, "suite not an integer", "create_group", "bad-request", cipher_suite="1")
    refused(peer, "negative suite", "create_group", "bad-request", cipher_suite=-1)
    refused(peer, "odd hex", "create_group", "bad-request", cipher_suite=1, group_id="abc")
    refused(peer, "non-hex", "create_group", "bad-request", cipher_suite=1, group_id="zz")
    refused(peer, "hex as a number", "create_group", "bad-request", cipher_suite=1, group_id=12)
    refused(peer, "bool as a string", "create_group", "bad-request", cipher_suite=1,
            encrypt_handshake="yes")
    refused(peer, "extensions not a list", "create_group", "bad-request", cipher_suite=1,
            extensions={"a": 1})
    refused(peer, "extension not an object", "create_group", "bad-request", cipher_suite=1,
            extensions=[1])
    refused(peer, "duplicate extension", "create_group", cipher_suite=1, group_id="01",
            identity="01", extensions=[{"extension_type": 0xff00, "extension_data": ""},
                                       {"extension_type": 0xff00, "extension_data": ""}])
    refused(peer, "unknown state", "state_auth", "bad-request", state_id=12345)
    refused(peer, "state id too large", "state_auth", "bad-request", state_id=2**40)
    refused(peer, "unknown transaction", "join_group", "bad-request", transaction_id=999,
            welcome="00")

    # A working session inside the one peer.
    for suite in (1, 2):
        alice = peer.ok("create_group", group_id=hx(f"g{suite}"), cipher_suite=suite,
                        identity=hx("alice"))["state_id"]
        kp = peer.ok("create_key_package", cipher_suite=suite, identity=hx("bob"))
        check("KeyPackage bytes", len(kp.get("key_package", "")) > 100)
        c = peer.ok("commit", state_id=alice,
                    by_value=[{"proposal_type": "add", "key_package": kp["key_package"]}])
        refused(peer, "handle our own commit", "handle_commit", "state", state_id=alice,
                commit=c["commit"])
        a = peer.ok("handle_pending_commit", state_id=alice)
        refused(peer, "no pending commit", "handle_pending_commit", "bad-request",
                state_id=alice)
        b = peer.ok("join_group", transaction_id=kp["transaction_id"], welcome=c["welcome"])
        refused(peer, "transaction used twice", "join_group", "bad-request",
                transaction_id=kp["transaction_id"], welcome=c["welcome"])
        bob = b["state_id"]
        check("same epoch authenticator", a["epoch_authenticator"] == b["epoch_authenticator"])
        ex = [peer.ok("export", state_id=s, label="interop", context="0102",
                      key_length=32)["exported_secret"] for s in (alice, bob)]
        check("same exporter", ex[0] == ex[1] and len(ex[0]) == 64)
        m = peer.ok("protect", state_id=alice, authenticated_data="aa", plaintext=hx("hi bob"))
        u = peer.ok("unprotect", state_id=bob, ciphertext=m["ciphertext"])
        check("plaintext", u.get("plaintext") == hx("hi bob") and u.get("authenticated_data") == "aa")
        refused(peer, "replayed application message", "unprotect", state_id=bob,
                ciphertext=m["ciphertext"])
        refused(peer, "garbage ciphertext", "unprotect", state_id=bob, ciphertext="0001")
        refused(peer, "garbage commit", "handle_commit", state_id=bob, commit="00010002")
        refused(peer, "garbage proposal", "handle_commit", state_id=bob, proposal=["0001"],
                commit=c["commit"])
        kp2 = peer.ok("create_key_package", cipher_suite=suite, identity=hx("carol"))
        refused(peer, "garbage welcome", "join_group", "truncated",
                transaction_id=kp2["transaction_id"], welcome="000100")
        refused(peer, "a commit as a welcome", "join_group",
                transaction_id=kp2["transaction_id"], welcome=c["commit"])
        refused(peer, "garbage KeyPackage in add", "commit", state_id=alice,
                by_value=[{"proposal_type": "add", "key_package": "00010005"}])
        refused(peer, "unknown identity in remove", "commit", "bad-request", state_id=alice,
                by_value=[{"proposal_type": "remove", "removed_id": hx("mallory")}])
        refused(peer, "unknown proposal type", "commit", "bad-request", state_id=alice,
                by_value=[{"proposal_type": "bogus"}])
        refused(peer, "by_reference not a list", "commit", "bad-request", state_id=alice,
                by_reference="00")
        refused(peer, "garbage GroupInfo", "external_join", group_info="0001", identity="00")
        refused(peer, "remove_prior", "external_join", "unsupported", remove_prior=True)
        gi = peer.ok("group_info", state_id=alice, external_tree=True)
        check("tree out of band", len(gi.get("ratchet_tree", "")) > 0)
        st = peer.ok("state", state_id=bob)
        check("two members", [m["identity"] for m in st.get("members", [])]
              == [hx("alice"), hx("bob")])
        # Mutated messages: every one gets a reply, none is applied, and the
        # states still work afterwards.
        rng = random.Random(9420 + suite)
        kp3 = peer.ok("create_key_package", cipher_suite=suite, identity=hx("dora"))
        p0 = peer.ok("update_proposal", state_id=bob)["proposal"]
        samples = [("handle_commit", "commit", c["commit"]), ("unprotect", "ciphertext", m["ciphertext"]),
                   ("join_group", "welcome", c["welcome"]), ("add_proposal", "key_package", kp3["key_package"]),
                   ("handle_commit", "proposal", p0)]
        epoch_before = peer.ok("state", state_id=alice)["epoch"]
        accepted = 0
        for i in range(150):
            op, field, good = samples[i % len(samples)]
            raw = bytearray.fromhex(good)
            how = rng.randrange(3)
            if how == 0 and raw:
                raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
            elif how == 1:
                raw = raw[:rng.randrange(len(raw))]
            else:
                raw += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
            fields = {"state_id": alice, field: raw.hex()}
            if op == "join_group":
                fields = {"transaction_id": kp2["transaction_id"], "welcome": raw.hex()}
            if op == "handle_commit" and field == "proposal":
                fields = {"state_id": alice, "proposal": [raw.hex()], "commit": "00"}
            r = peer.call(op, **fields)
            if r.get("ok"):
                accepted += 1
        check("mutations: all refused", accepted == 0, f"{accepted} accepted")
        check("mutations: no commit applied", peer.ok("state", state_id=alice)["epoch"] == epoch_before)
        print(f"  {150 - accepted} of 150 mutated messages refused")
        m2 = peer.ok("protect", state_id=bob, plaintext=hx("still here"))
        check("states work after mutations", peer.ok("unprotect", state_id=alice,
              ciphertext=m2["ciphertext"]).get("plaintext") == hx("still here"))

        # Bob's Update, committed by reference by Alice.
        p = peer.ok("update_proposal", state_id=bob)
        c1 = peer.ok("commit", state_id=alice, by_reference=[p["proposal"]])
        peer.ok("handle_pending_commit", state_id=alice)
        r = peer.ok("handle_commit", state_id=bob, proposal=[p["proposal"]], commit=c1["commit"])
        check("update applied", r.get("epoch") == 2)
        # Alice removes Bob.
        c2 = peer.ok("commit", state_id=alice,
                     by_value=[{"proposal_type": "remove", "removed_id": hx("bob")}])
        peer.ok("handle_pending_commit", state_id=alice)
        r = peer.ok("handle_commit", state_id=bob, commit=c2["commit"])
        check("bob removed", r.get("active") is False)
        refused(peer, "protect after removal", "protect", state_id=bob, plaintext="00")
        peer.ok("free_state", state_id=bob)
        peer.ok("free_state", state_id=alice)
        refused(peer, "freed state", "state_auth", "bad-request", state_id=alice)

    # An over-long line is refused and the peer still answers.
    refused(peer, "line beyond the limit", b"x" * (64 * 1024 * 1024 + 10), "bad-request")
    peer.ok("name")

    rc = peer.close()
    check("clean exit", rc == 0, f"exit code {rc}")
    print(f"mls-peer-requests: {cases - failures}/{cases} passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
