#!/usr/bin/env python3
"""Seeds for fuzz_statement and fuzz_identity: statements really signed by the
fuzz registry's founder (seed SHA-256("fuzz party seed")) and near-misses.
Deterministic (Ed25519 is). Needs Python `cryptography`.
usage: make_statement_corpus.py  (writes fuzz/corpus/statement and fuzz/corpus/identity)
"""
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import parleypy as pp  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey  # noqa: E402

ORIGIN = "fuzz.example/wg"
party = pp.Party("fz.party")
party.sign = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"fuzz party seed").digest())
party.box = X25519PrivateKey.from_private_bytes(hashlib.sha256(b"fuzz box seed").digest())
other = pp.Party("fz.other")
other.sign = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"fuzz other seed").digest())
other.box = X25519PrivateKey.from_private_bytes(hashlib.sha256(b"fuzz other box").digest())
T = "2026-01-01T00:00:00Z"
zero_leaf = pp.b64(b"\0" * 32)


def stmt(ptype, body=None, refs=None, seq=6, author="fz.party", log=ORIGIN, signers=None, when=T):
    return pp.envelope(signers or [party.sign], pp.payload(log, ptype, author, seq, when, body, refs))


def by_other(ptype, body=None, refs=None, seq=1):
    return stmt(ptype, body, refs, seq=seq, author="fz.other", signers=[other.sign])


def ref(i):
    return [{"index": i, "leaf": zero_leaf}]


# the fuzz log (fuzz_statement.c): 0 charter, 1 norm set, 2 concern, 3 request, 4 ping
gge = json.load(open(os.path.join(HERE, "..", "data", "norms", "un-gge-2015.json")))
GGE = hashlib.sha256(json.dumps(gge, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
LATER = "2026-03-01T00:00:00Z"
pres = {"authority": "a", "offence": "o", "facts": "f", "data": "d", "relationship": "r", "custodian": "c",
        "necessity": "n", "mla_intent": True}
workflow = {
    "wf-pong": by_other("pong", {"ping": 4}, ref(4)),
    "wf-pong-not-addressed": stmt("pong", {"ping": 4}, ref(4)),
    "wf-ack": by_other("ack", {"request": 3, "note": "on it"}, ref(3)),
    "wf-ack-not-request": by_other("ack", {"request": 2}, ref(2)),
    "wf-granted": by_other("response", {"request": 3, "status": "granted", "text": "done"}, ref(3)),
    "wf-postponed": by_other("response", {"request": 3, "status": "postponed", "reasons": "busy", "until": LATER},
                             ref(3)),
    "wf-refused-no-reasons": by_other("response", {"request": 3, "status": "refused"}, ref(3)),
    "wf-status-query": stmt("status", {"request": 3, "kind": "query"}, ref(3)),
    "wf-status-update": by_other("status", {"request": 3, "kind": "update", "text": "progress"}, ref(3)),
    "wf-withdraw": stmt("withdraw", {"request": 3, "reason": "solved"}, ref(3)),
    "wf-close": stmt("close", {"case": 2, "outcome": "resolved", "text": "thanks"}, ref(2)),
    "wf-close-not-author": by_other("close", {"case": 2, "outcome": "resolved"}, ref(2)),
    "wf-request": by_other("request", {"case": 2, "kind": "evidence", "to": ["fz.party"], "text": "logs?",
                                       "due": LATER, "due_reason": "court date"}, ref(2)),
    "wf-preservation": stmt("request", {"case": 2, "kind": "preservation", "to": ["fz.other"], "text": "keep",
                                        "preservation": pres}, ref(2)),
    "wf-concern": stmt("concern", {"title": "t", "class": "availability", "rsit_type": "ddos", "tlp": "TLP:RED",
                                   "summary": "s", "recipients": ["fz.other"],
                                   "norms": {"set": GGE, "ids": ["13(f)", "13(h)"]},
                                   "evidence": [{"sha256": "ab" * 32, "name": "x.pcap"}]}),
    "wf-subscribe": by_other("norms.subscribe", {"set": GGE}),
    "wf-withdraw-norms": stmt("norms.withdraw", {"set": GGE}),
    "wf-group-propose": stmt("group.propose", {"tlp": "TLP:CLEAR", "kind": "bilateral", "invited": ["fz.other"],
                                               "due": LATER, "name": "energy", "mandate": "every concern",
                                               "due_reason": "before the summit", "experts": ["Dr. X"]}),
    "wf-group-two-bilateral": stmt("group.propose", {"tlp": "TLP:CLEAR", "kind": "bilateral",
                                                     "invited": ["fz.other", "fz.third"], "due": LATER,
                                                     "name": "n", "mandate": "m", "due_reason": "r"}),
    "wf-group-answer-not-group": by_other("group.answer", {"group": 2, "answer": "decline", "reasons": "no"},
                                          ref(2)),
    "wf-group-leave": by_other("group.leave", {"group": 2, "reasons": "r"}, ref(2)),
    "wf-session-propose": stmt("session.propose", {"tlp": "TLP:CLEAR", "participants": ["fz.other"],
                                                   "window": {"from": LATER, "until": "2026-03-02T00:00:00Z"},
                                                   "due": LATER, "threads": [2], "agenda": ["the scans"],
                                                   "format": "virtual", "due_reason": "r"}, ref(2)),
    "wf-session-window-long": stmt("session.propose", {"tlp": "TLP:CLEAR", "participants": ["fz.other"],
                                                       "window": {"from": LATER, "until": "2026-06-01T00:00:00Z"},
                                                       "due": LATER, "agenda": ["a"], "format": "written",
                                                       "due_reason": "r"}),
    "wf-session-cancel-not-session": by_other("session.cancel", {"session": 2, "cites": 3, "reasons": "r"},
                                              ref(2) + ref(3)),
    "wf-endorse-not-outcome": by_other("outcome.endorse", {"outcome": 2, "position": "dissent", "note": "n"},
                                       ref(2)),
    "wf-publish": stmt("norms.publish", {"name": "n", "version": "1",
                                         "norms": [{"id": "a", "short": "s", "gist": "g"}]}),
}


seeds = {
    "ping": stmt("ping"),
    "ping-note": stmt("ping", {"note": "communication check"}),
    "ping-to": stmt("ping", {"to": ["fz.other"]}),
    "pong": stmt("pong", {"ping": 0}, [{"index": 0, "leaf": zero_leaf}]),
    "pong-missing-ref": stmt("pong", {"ping": 0}),
    "ref-mismatch": stmt("ping", None, [{"index": 0, "leaf": pp.b64(b"\1" * 32)}]),
    "ref-missing": stmt("ping", None, [{"index": 9, "leaf": zero_leaf}]),
    "enroll": stmt("enroll", {"identity": dict(other.identity())}),
    "rotate": stmt("key.rotate", {"identity": dict(party.identity())}, signers=[party.sign, other.sign]),
    "revoke": stmt("key.revoke", {"reason": "rotation"}),
    "contact": stmt("contact.update", {"contact": {"email": "soc@example.org", "phone": "+1 555"}}),
    "charter-again": stmt("charter", {"founders": []}),
    "seq-replayed": stmt("ping", seq=5),
    "seq-skipped": stmt("ping", seq=7),
    "unknown-author": stmt("ping", author="fz.nobody", signers=[other.sign]),
    "bad-signature": stmt("ping", signers=[other.sign]),
    "wrong-log": stmt("ping", log="other.example/log"),
    "unknown-type": stmt("gossip"),
    "wrong-payload-type": pp.envelope([party.sign], pp.payload(ORIGIN, "ping", "fz.party", 6, T), "text/plain"),
    "not-json": b"{not json",
    "array": b"[]",
    "empty": b"",
}



def keyed(name, seed):
    """A party of the fuzz log's world with keys from SHA-256 of seed and seed + " box"."""
    p = pp.Party(name)
    p.sign = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest())
    p.box = X25519PrivateKey.from_private_bytes(hashlib.sha256((seed + " box").encode()).digest())
    return p


# the envelope in its one form, with exactly the signatures its type needs (docs/statements.md)
ping = pp.payload(ORIGIN, "ping", "fz.party", 6, T, {"to": ["fz.other"]})
good = json.loads(pp.envelope([party.sign], ping))
sig = good["signatures"][0]
compact = lambda d: json.dumps(d, separators=(",", ":")).encode()
rotated = keyed("fz.party", "fuzz rotated seed")
rotation = pp.payload(ORIGIN, "key.rotate", "fz.party", 6, T, {"identity": rotated.identity()})
envelopes = {
    "env-second-sig-random": compact(dict(good, signatures=[sig, dict(sig, sig=pp.b64(b"\x5a" * 64))])),
    "env-second-sig-other": pp.envelope([party.sign, other.sign], ping),
    "env-keyid-upper": compact(dict(good, signatures=[dict(sig, keyid=sig["keyid"].upper())])),
    "env-keyid-short": compact(dict(good, signatures=[dict(sig, keyid=sig["keyid"][:15])])),
    "env-keyid-other": compact(dict(good, signatures=[dict(sig, keyid=hashlib.sha256(other.pk).hexdigest()[:16])])),
    "env-padded": compact(good)[:-1] + b" " * 2000 + b"}",
    "env-pretty": json.dumps(good, indent=1).encode(),
    "env-sorted": json.dumps(good, sort_keys=True, separators=(",", ":")).encode(),
    "rotate-new-key": pp.envelope([party.sign, rotated.sign], rotation),
    "rotate-swapped": pp.envelope([rotated.sign, party.sign], rotation),
    "rotate-old-key-twice": pp.envelope([party.sign, party.sign], rotation),
}
newcomer = keyed("fz.new", "fuzz new seed")
again = keyed("fz.again", "fuzz new seed")
again.sign, again.box = party.sign, party.box  # a member's keys under another name
half = keyed("fz.half", "fuzz half seed")
half.box = other.box  # a new signing key beside another member's encryption key
enrolment = {
    "enroll-new": stmt("enroll", {"identity": newcomer.identity()}),
    "enroll-key-reused": stmt("enroll", {"identity": again.identity()}),
    "enroll-box-reused": stmt("enroll", {"identity": half.identity()}),
    "enroll-confusable": stmt("enroll", {"identity": keyed("fz-0ther", "fuzz look-alike seed").identity()}),
    "enroll-confusable-case": stmt("enroll", {"identity": dict(newcomer.identity(), party="FZ.NEW")}),
    "rotate-to-other-key": stmt("key.rotate", {"identity": dict(keyed("fz.party", "fuzz other seed").identity())},
                                signers=[party.sign, other.sign]),
}
seeds.update(workflow)
seeds.update(envelopes)
seeds.update(enrolment)
sdir = os.path.join(HERE, "corpus", "statement")
os.makedirs(sdir, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(sdir, name), "wb") as f:
        f.write(data)
idir = os.path.join(HERE, "corpus", "identity")
os.makedirs(idir, exist_ok=True)
ids = {
    "valid": json.dumps(party.identity()).encode(),
    "valid-compact": json.dumps(other.identity(), separators=(",", ":")).encode(),
    "wrong-proof": json.dumps(dict(party.identity(), proof=other.identity()["proof"])).encode(),
    "renamed": json.dumps(dict(party.identity(), party="fz.thief")).encode(),
    "bad-name": json.dumps(dict(party.identity(), party="Fz Party")).encode(),
    "extra-field": json.dumps(dict(party.identity(), extra=1)).encode(),
    "short-key": json.dumps(dict(party.identity(), sign="AAAA")).encode(),
    "not-json": b"identity",
}
for name, data in ids.items():
    with open(os.path.join(idir, name), "wb") as f:
        f.write(data)
print("wrote %d statement seeds and %d identity seeds" % (len(seeds), len(ids)))
