"""Independent implementation of ablate's TrialId encoding (src/trial.rs), used to check the
golden ids in `trial::tests::trial_id_golden`. Run: python3 tests/reference/trial_id_golden.py

Encoding: b"ablate-trial-v1\\0", then for each parameter in name order: u64be(len(name)),
name, and the value (b"f" + f64 bits big-endian | b"i" + i64be | b"s" + u64be(len) + utf8 |
b"b" + one byte), then 0xff, u64be(seed), then 0x00 (no code version) or
0x01 + u64be(len) + utf8. The id is the first 16 bytes of SHA-256, as lowercase hex.
"""
import hashlib
import struct


def trial_id(items, seed, code_version=None):
    b = b"ablate-trial-v1\0"
    for name, (tag, v) in sorted(items.items()):
        b += struct.pack(">Q", len(name)) + name.encode()
        if tag == "b":
            b += b"b" + bytes([v])
        elif tag == "s":
            b += b"s" + struct.pack(">Q", len(v.encode())) + v.encode()
        elif tag == "f":
            b += b"f" + struct.pack(">d", v)
        elif tag == "i":
            b += b"i" + struct.pack(">q", v)
    b += b"\xff" + struct.pack(">Q", seed)
    if code_version is None:
        b += b"\x00"
    else:
        b += b"\x01" + struct.pack(">Q", len(code_version.encode())) + code_version.encode()
    return hashlib.sha256(b).hexdigest()[:32]


config = {"n_estimators": ("i", 100), "feature_fraction": ("f", 0.5), "criterion": ("s", "gini"), "bootstrap": ("b", 1)}
print(trial_id(config, 7))
print(trial_id(config, 7, "v2"))
