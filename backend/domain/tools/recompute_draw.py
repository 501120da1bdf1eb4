#!/usr/bin/env python3
"""Recompute a skillcert supervision draw (双随机、一公开) from published data.

Usage:
    python3 recompute_draw.py POOL.json SEED [COMMITMENT]
    python3 recompute_draw.py --published DRAW.json

POOL.json  the published pool snapshot: an object with "batches" ([{"batch_id",
           "institution_id"}]), "inspectors" ([{"inspector_id",
           "affiliated_institution_ids"}]), "previous_assignments" ([{"inspector_id",
           "institution_id"}]), "batch_count" (k) and "inspectors_per_batch" (m).
SEED       the 64 lowercase hex characters revealed after the draw.
COMMITMENT optional: the SHA-256 published before the draw; checked against SEED.

Prints the result (picks, requested_batches, pool_digest) as JSON on stdout, to compare with
the published result, and the seed's commitment on stderr. Exits 1 if the input is invalid or
the commitment does not match.

--published DRAW.json takes a drawn draw as the platform publishes it (the body of
GET /api/v1/public/draws/{id}, or the public page's "下载公开数据"): it hashes the exact
`pool_snapshot` text, checks it against `pool_digest`, the `seed` against the `commitment`,
recomputes the draw and compares it with the published `result`. Exits 0 when all three match,
1 otherwise.

Standard library only, and written independently of the server's Rust code
(backend/domain/src/draw.rs); both follow the procedure in that module's documentation.
"""

import hashlib
import json
import sys

TWO_64 = 1 << 64


class Invalid(Exception):
    pass


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utf8(s: str) -> bytes:
    return s.encode("utf-8")


def check_seed(seed: str) -> str:
    if len(seed) != 64 or any(c not in "0123456789abcdef" for c in seed):
        raise Invalid("the seed must be exactly 64 lowercase hex characters")
    return seed


def text(value, what: str) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{what} must be a string")
    return value


def positive(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Invalid(f"{what} must be a positive integer")
    return value


def canonical_pool(pool: dict) -> dict:
    """Step 2: sort everything byte-wise, drop repeated affiliations and previous assignments."""
    batches = [
        {
            "batch_id": text(b["batch_id"], "batch_id"),
            "institution_id": text(b["institution_id"], "institution_id"),
        }
        for b in pool["batches"]
    ]
    batches.sort(key=lambda b: (utf8(b["batch_id"]), utf8(b["institution_id"])))

    inspectors = []
    for ins in pool["inspectors"]:
        affiliations = {
            text(a, "affiliated_institution_ids[]") for a in ins["affiliated_institution_ids"]
        }
        inspectors.append(
            {
                "inspector_id": text(ins["inspector_id"], "inspector_id"),
                "affiliated_institution_ids": sorted(affiliations, key=utf8),
            }
        )
    inspectors.sort(
        key=lambda i: (utf8(i["inspector_id"]), [utf8(a) for a in i["affiliated_institution_ids"]])
    )

    previous = {
        (text(p["inspector_id"], "inspector_id"), text(p["institution_id"], "institution_id"))
        for p in pool["previous_assignments"]
    }
    previous_list = [
        {"inspector_id": i, "institution_id": s}
        for i, s in sorted(previous, key=lambda p: (utf8(p[0]), utf8(p[1])))
    ]

    return {
        "batch_count": pool["batch_count"],
        "batches": batches,
        "inspectors": inspectors,
        "inspectors_per_batch": pool["inspectors_per_batch"],
        "previous_assignments": previous_list,
    }


def canonical_json(canon: dict) -> bytes:
    """Step 3: sorted keys, no whitespace, UTF-8, only required escapes (RFC 8785 for this data)."""
    written = json.dumps(canon, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return written.encode("utf-8")


def validate(canon: dict) -> None:
    positive(canon["batch_count"], "batch_count")
    positive(canon["inspectors_per_batch"], "inspectors_per_batch")
    if not canon["batches"]:
        raise Invalid("the batch pool is empty")
    if not canon["inspectors"]:
        raise Invalid("the inspector pool is empty")
    batch_ids = [b["batch_id"] for b in canon["batches"]]
    if len(set(batch_ids)) != len(batch_ids):
        raise Invalid("a batch_id appears more than once")
    inspector_ids = [i["inspector_id"] for i in canon["inspectors"]]
    if len(set(inspector_ids)) != len(inspector_ids):
        raise Invalid("an inspector_id appears more than once")


class Stream:
    """Steps 4 and 5: number i is the first 8 bytes of SHA-256("SEED:i"), big-endian."""

    def __init__(self, seed: str):
        self.seed = seed
        self.counter = 0

    def next_number(self) -> int:
        digest = hashlib.sha256(f"{self.seed}:{self.counter}".encode("ascii")).digest()
        self.counter += 1
        return int.from_bytes(digest[:8], "big")

    def uniform(self, n: int) -> int:
        limit = n * (TWO_64 // n)
        while True:
            x = self.next_number()
            if x < limit:
                return x % n


def shuffle_prefix(items: list, count: int, stream: Stream) -> list:
    """Partial Fisher-Yates: the first `count` positions of a uniformly shuffled copy."""
    items = list(items)
    for i in range(count):
        j = i + stream.uniform(len(items) - i)
        items[i], items[j] = items[j], items[i]
    return items[:count]


def draw(pool: dict, seed: str) -> dict:
    canon = canonical_pool(pool)
    validate(canon)
    k = canon["batch_count"]
    m = canon["inspectors_per_batch"]
    previous = {(p["inspector_id"], p["institution_id"]) for p in canon["previous_assignments"]}

    stream = Stream(seed)
    picked = shuffle_prefix(canon["batches"], min(k, len(canon["batches"])), stream)

    picks = []
    for batch in picked:
        institution = batch["institution_id"]
        eligible = [
            ins
            for ins in canon["inspectors"]
            if institution not in ins["affiliated_institution_ids"]
            and (ins["inspector_id"], institution) not in previous
        ]
        chosen = shuffle_prefix(eligible, min(m, len(eligible)), stream)
        picks.append(
            {
                "batch_id": batch["batch_id"],
                "institution_id": institution,
                "inspector_ids": [ins["inspector_id"] for ins in chosen],
                "shortfall": m - len(chosen),
            }
        )

    return {
        "picks": picks,
        "requested_batches": k,
        "pool_digest": sha256_hex(canonical_json(canon)),
    }


def verify_published(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        published = json.load(f)
    seed = published.get("seed")
    if not seed:
        print("the draw has not been run yet: its seed is not published", file=sys.stderr)
        return 1
    snapshot = text(published["pool_snapshot"], "pool_snapshot")
    commitment_ok = sha256_hex(text(seed, "seed").encode("ascii")) == published["commitment"].lower()
    digest = published["pool_digest"].lower()
    pool_digest_ok = sha256_hex(snapshot.encode("utf-8")) == digest
    try:
        result_ok = draw(json.loads(snapshot), check_seed(seed)) == published["result"]
    except (Invalid, KeyError, TypeError, ValueError) as e:
        print(f"cannot recompute: {e!r}", file=sys.stderr)
        result_ok = False
    for name, ok in (
        ("commitment = SHA-256(seed)", commitment_ok),
        ("pool digest = SHA-256(pool_snapshot)", pool_digest_ok),
        ("result recomputed from pool + seed", result_ok),
    ):
        print(f"{name}: {'ok' if ok else 'MISMATCH'}")
    matches = commitment_ok and pool_digest_ok and result_ok
    print("the draw matches its published data" if matches else "the draw does NOT match its published data")
    return 0 if matches else 1


def main(argv: list) -> int:
    if len(argv) == 3 and argv[1] == "--published":
        try:
            return verify_published(argv[2])
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            print(f"invalid published draw: {e!r}", file=sys.stderr)
            return 1
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        seed = check_seed(argv[2])
        with open(argv[1], encoding="utf-8") as f:
            pool = json.load(f)
        commitment = sha256_hex(seed.encode("ascii"))
        print(f"commitment: {commitment}", file=sys.stderr)
        if len(argv) == 4 and argv[3].strip().lower() != commitment:
            print("commitment does NOT match the seed", file=sys.stderr)
            return 1
        result = draw(pool, seed)
    except (Invalid, KeyError, TypeError) as e:
        print(f"invalid input: {e!r}", file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
