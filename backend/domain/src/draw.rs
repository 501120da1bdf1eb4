//! The external quality supervision draw (双随机、一公开, SPEC §7): pick `k` batches from a pool
//! and assign `m` inspectors to each, never an inspector with a conflict, in a way anyone can
//! recompute from the published pool snapshot and the revealed seed.
//!
//! Pure: no IO and no randomness of its own. The server draws the 32-byte seed from a CSPRNG and
//! publishes its [`commitment`] before the draw; after it, the server publishes the seed, the
//! pool snapshot ([`canonical_json`]) and the [`DrawResult`]. `tools/recompute_draw.py` (Python
//! standard library only) is an independent implementation of the procedure below, for the public
//! to check a draw: `python3 recompute_draw.py pool.json SEED COMMITMENT`.
//!
//! # The procedure
//!
//! Strings are compared byte by byte in UTF-8 (the same as by Unicode code point). SHA-256 is
//! written as 64 lowercase hex digits.
//!
//! 1. **Seed and commitment.** The seed is 64 lowercase hex characters. The commitment is the
//!    SHA-256 of those 64 ASCII characters, nothing else: `printf '%s' "$SEED" | sha256sum`.
//! 2. **Canonical pool.** Sort `batches` by `batch_id`, `inspectors` by `inspector_id`, each
//!    inspector's `affiliated_institution_ids`, and `previous_assignments` by `inspector_id` then
//!    `institution_id`; drop repeated affiliations and repeated previous assignments. The order of
//!    the input therefore never changes the result. The draw is refused if a `batch_id` or an
//!    `inspector_id` appears twice, if `batch_count` (k) or `inspectors_per_batch` (m) is 0, or if
//!    either pool is empty.
//! 3. **Pool digest.** The canonical JSON is the canonical pool written with object keys in
//!    sorted order, no whitespace, and strings in UTF-8 escaping only `"`, `\` and control
//!    characters (RFC 8785 for this data):
//!    ```text
//!    {"batch_count":3,"batches":[{"batch_id":"…","institution_id":"…"},…],
//!    "inspectors":[{"affiliated_institution_ids":["…",…],"inspector_id":"…"},…],
//!    "inspectors_per_batch":2,
//!    "previous_assignments":[{"inspector_id":"…","institution_id":"…"},…]}
//!    ```
//!    (one line). `pool_digest` is its SHA-256: `sha256sum pool.json` on the published snapshot.
//! 4. **Random numbers.** Number i (i = 0, 1, 2, …: one counter for the whole draw) is the first
//!    8 bytes of SHA-256 of the ASCII text `SEED:i` (`i` in decimal), read as a big-endian
//!    unsigned 64-bit integer. By hand, in decimal:
//!    ```text
//!    printf '%s:%d' "$SEED" "$i" | sha256sum | cut -c1-16 | tr a-f A-F | sed 's/^/ibase=16;/' | bc
//!    ```
//! 5. **uniform(n)** takes the next number x. If x ≥ n·⌊2⁶⁴/n⌋ it is rejected and the next number
//!    is taken; otherwise the answer is x mod n. The rejection removes the modulo bias; it happens
//!    with probability below n/2⁶⁴, so in practice x mod n is the answer.
//! 6. **Batches.** Number the sorted batches from 0; let p = min(k, number of batches). For
//!    i = 0, 1, …, p−1: j = i + uniform(number of batches − i); swap batches i and j. The picks
//!    are batches 0 … p−1, in that order. (A last step of uniform(1) = 0 still uses a number.)
//! 7. **Inspectors.** For each pick, in order: the eligible list is the sorted inspectors who are
//!    not affiliated with the pick's institution and have no previous assignment with that
//!    institution. Shuffle it as in step 6 for q = min(m, eligible) positions, continuing the same
//!    counter (no number is used when the list is empty). The pick's inspectors are positions
//!    0 … q−1, in that order, and its `shortfall` is m − q. One inspector may serve several picks.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a draw is run on: both pools, the conflicts carried over from the previous draw, k and m.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawInput {
    pub batches: Vec<PoolBatch>,
    pub inspectors: Vec<PoolInspector>,
    /// Who inspected which institution in the previous draw; those pairs are excluded (SPEC §7).
    pub previous_assignments: Vec<PreviousAssignment>,
    /// k: how many batches to pick.
    pub batch_count: u32,
    /// m: how many inspectors to assign to each picked batch.
    pub inspectors_per_batch: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolBatch {
    pub batch_id: String,
    pub institution_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolInspector {
    pub inspector_id: String,
    /// Institutions the inspector works for or is otherwise tied to; never assigned to them.
    pub affiliated_institution_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousAssignment {
    pub inspector_id: String,
    pub institution_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DrawResult {
    /// min(k, pool size) picks, in draw order.
    pub picks: Vec<DrawPick>,
    /// k as requested; more than `picks.len()` when the pool was smaller.
    pub requested_batches: u32,
    /// SHA-256 of [`canonical_json`] of the input the draw ran on.
    pub pool_digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DrawPick {
    pub batch_id: String,
    pub institution_id: String,
    pub inspector_ids: Vec<String>,
    /// m minus the inspectors assigned: too few inspectors were free of conflicts.
    pub shortfall: u32,
}

/// The draw's seed: 32 bytes from the server's CSPRNG as 64 lowercase hex characters. Secret only
/// until the draw has run, after which it is published, so `Debug` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Seed(String);

impl Seed {
    pub fn parse(s: &str) -> Result<Self, DrawError> {
        if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Self(s.to_owned()))
        } else {
            Err(DrawError::InvalidSeed)
        }
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(hex::encode(bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Seed {
    type Error = DrawError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Seed> for String {
    fn from(seed: Seed) -> Self {
        seed.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error("抽取批次数必须大于 0")]
    BatchCountZero,
    #[error("每个批次的督导人员数必须大于 0")]
    InspectorsPerBatchZero,
    #[error("待抽取的认定批次为空")]
    EmptyBatchPool,
    #[error("督导人员库为空")]
    EmptyInspectorPool,
    #[error("认定批次 {batch_id} 在抽取池中重复出现")]
    DuplicateBatch { batch_id: String },
    #[error("督导人员 {inspector_id} 在抽取池中重复出现")]
    DuplicateInspector { inspector_id: String },
    #[error("随机种子必须是 64 位小写十六进制字符")]
    InvalidSeed,
}

impl DrawError {
    /// Every draw error is malformed input (SPEC §4 `VALIDATION`).
    pub const fn code(&self) -> &'static str {
        match self {
            Self::BatchCountZero
            | Self::InspectorsPerBatchZero
            | Self::EmptyBatchPool
            | Self::EmptyInspectorPool
            | Self::DuplicateBatch { .. }
            | Self::DuplicateInspector { .. }
            | Self::InvalidSeed => "VALIDATION",
        }
    }
}

/// Step 1: published before the draw, so the seed cannot be chosen after seeing the pools.
pub fn commitment(seed: &Seed) -> String {
    hex::encode(Sha256::digest(seed.as_str().as_bytes()))
}

pub fn verify_commitment(seed: &Seed, commitment_hex: &str) -> bool {
    commitment(seed).eq_ignore_ascii_case(commitment_hex.trim())
}

/// Step 3: the pool snapshot exactly as published and hashed. Defined for any input, even one
/// [`run_draw`] refuses.
pub fn canonical_json(input: &DrawInput) -> String {
    let c = canonicalise(input);
    let batches = join(c.batches.iter().map(|b| {
        format!(
            r#"{{"batch_id":{},"institution_id":{}}}"#,
            json_string(&b.batch_id),
            json_string(&b.institution_id)
        )
    }));
    let inspectors = join(c.inspectors.iter().map(|i| {
        format!(
            r#"{{"affiliated_institution_ids":[{}],"inspector_id":{}}}"#,
            join(i.affiliated_institution_ids.iter().map(|a| json_string(a))),
            json_string(&i.inspector_id)
        )
    }));
    let previous = join(c.previous_assignments.iter().map(|p| {
        format!(
            r#"{{"inspector_id":{},"institution_id":{}}}"#,
            json_string(&p.inspector_id),
            json_string(&p.institution_id)
        )
    }));
    format!(
        concat!(
            r#"{{"batch_count":{},"batches":[{}],"inspectors":[{}],"#,
            r#""inspectors_per_batch":{},"previous_assignments":[{}]}}"#,
        ),
        c.batch_count, batches, inspectors, c.inspectors_per_batch, previous
    )
}

pub fn pool_digest(input: &DrawInput) -> String {
    hex::encode(Sha256::digest(canonical_json(input).as_bytes()))
}

/// Step 2's refusals, without drawing: what the server checks before it commits to a seed.
pub fn check(input: &DrawInput) -> Result<(), DrawError> {
    validate(&canonicalise(input))
}

/// What recomputing a published draw found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verification {
    /// SHA-256 of the revealed seed equals the commitment published before the draw.
    pub commitment_ok: bool,
    /// SHA-256 of the published pool snapshot equals the published pool digest.
    pub pool_digest_ok: bool,
    /// Running the procedure on the snapshot and the seed gives the published result.
    pub result_ok: bool,
    /// All three.
    pub matches: bool,
}

/// Recomputes a draw from what was published: the pool snapshot (the exact canonical JSON
/// text), the revealed seed, the commitment, the pool digest and the result. Anything that
/// cannot be parsed or run simply fails its check.
pub fn verify_published(
    pool_snapshot: &str,
    seed: &str,
    commitment_hex: &str,
    pool_digest_hex: &str,
    result: &DrawResult,
) -> Verification {
    let seed = Seed::parse(seed).ok();
    let commitment_ok = seed
        .as_ref()
        .is_some_and(|s| verify_commitment(s, commitment_hex));
    let snapshot_digest = hex::encode(Sha256::digest(pool_snapshot.as_bytes()));
    let pool_digest_ok = snapshot_digest.eq_ignore_ascii_case(pool_digest_hex.trim())
        && result
            .pool_digest
            .eq_ignore_ascii_case(pool_digest_hex.trim());
    let result_ok = match (seed, serde_json::from_str::<DrawInput>(pool_snapshot)) {
        (Some(seed), Ok(input)) => run_draw(&input, &seed).is_ok_and(|r| r == *result),
        _ => false,
    };
    Verification {
        commitment_ok,
        pool_digest_ok,
        result_ok,
        matches: commitment_ok && pool_digest_ok && result_ok,
    }
}

/// Steps 2–7.
pub fn run_draw(input: &DrawInput, seed: &Seed) -> Result<DrawResult, DrawError> {
    let pool = canonicalise(input);
    validate(&pool)?;
    let previous: BTreeSet<(&str, &str)> = pool
        .previous_assignments
        .iter()
        .map(|p| (p.inspector_id.as_str(), p.institution_id.as_str()))
        .collect();
    let m = pool.inspectors_per_batch;
    let mut stream = Stream::new(seed);

    let mut batches: Vec<&PoolBatch> = pool.batches.iter().collect();
    let picked = shuffle_prefix(&mut batches, pool.batch_count as usize, &mut stream);

    let mut picks = Vec::with_capacity(picked.len());
    for batch in picked {
        let institution = batch.institution_id.as_str();
        let mut eligible: Vec<&PoolInspector> = pool
            .inspectors
            .iter()
            .filter(|i| {
                !i.affiliated_institution_ids
                    .iter()
                    .any(|a| a == institution)
                    && !previous.contains(&(i.inspector_id.as_str(), institution))
            })
            .collect();
        let chosen = shuffle_prefix(&mut eligible, m as usize, &mut stream);
        let assigned = chosen.len() as u32;
        picks.push(DrawPick {
            batch_id: batch.batch_id.clone(),
            institution_id: batch.institution_id.clone(),
            inspector_ids: chosen.iter().map(|i| i.inspector_id.clone()).collect(),
            shortfall: m - assigned,
        });
    }

    Ok(DrawResult {
        picks,
        requested_batches: pool.batch_count,
        pool_digest: pool_digest(input),
    })
}

fn canonicalise(input: &DrawInput) -> DrawInput {
    let mut c = input.clone();
    c.batches
        .sort_by(|a, b| (&a.batch_id, &a.institution_id).cmp(&(&b.batch_id, &b.institution_id)));
    for inspector in &mut c.inspectors {
        inspector.affiliated_institution_ids.sort();
        inspector.affiliated_institution_ids.dedup();
    }
    c.inspectors.sort_by(|a, b| {
        (&a.inspector_id, &a.affiliated_institution_ids)
            .cmp(&(&b.inspector_id, &b.affiliated_institution_ids))
    });
    c.previous_assignments.sort_by(|a, b| {
        (&a.inspector_id, &a.institution_id).cmp(&(&b.inspector_id, &b.institution_id))
    });
    c.previous_assignments.dedup();
    c
}

/// Expects a canonicalised input, where duplicates are adjacent.
fn validate(pool: &DrawInput) -> Result<(), DrawError> {
    if pool.batch_count == 0 {
        return Err(DrawError::BatchCountZero);
    }
    if pool.inspectors_per_batch == 0 {
        return Err(DrawError::InspectorsPerBatchZero);
    }
    if pool.batches.is_empty() {
        return Err(DrawError::EmptyBatchPool);
    }
    if pool.inspectors.is_empty() {
        return Err(DrawError::EmptyInspectorPool);
    }
    if let Some(pair) = pool
        .batches
        .windows(2)
        .find(|w| w[0].batch_id == w[1].batch_id)
    {
        return Err(DrawError::DuplicateBatch {
            batch_id: pair[0].batch_id.clone(),
        });
    }
    if let Some(pair) = pool
        .inspectors
        .windows(2)
        .find(|w| w[0].inspector_id == w[1].inspector_id)
    {
        return Err(DrawError::DuplicateInspector {
            inspector_id: pair[0].inspector_id.clone(),
        });
    }
    Ok(())
}

/// serde_json's string escaping is RFC 8785's; building the object by hand keeps the key order
/// independent of struct field order and of serde_json's `preserve_order` feature.
fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

fn join(parts: impl Iterator<Item = String>) -> String {
    parts.collect::<Vec<_>>().join(",")
}

/// Steps 4 and 5.
struct Stream<'a> {
    seed: &'a Seed,
    counter: u64,
}

impl<'a> Stream<'a> {
    fn new(seed: &'a Seed) -> Self {
        Self { seed, counter: 0 }
    }

    fn next_number(&mut self) -> u64 {
        let digest = Sha256::new()
            .chain_update(self.seed.as_str().as_bytes())
            .chain_update(b":")
            .chain_update(self.counter.to_string().as_bytes())
            .finalize();
        self.counter += 1;
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first)
    }

    /// `n` must be at least 1.
    fn uniform(&mut self, n: u64) -> u64 {
        loop {
            if let Some(value) = accept(self.next_number(), n) {
                return value;
            }
        }
    }
}

fn accept(x: u64, n: u64) -> Option<u64> {
    let limit = u128::from(n) * ((1u128 << 64) / u128::from(n));
    (u128::from(x) < limit).then_some(x % n)
}

/// Steps 6 and 7: partial Fisher–Yates over `items`, returning its first min(count, len) entries.
fn shuffle_prefix<'s, T>(items: &'s mut [T], count: usize, stream: &mut Stream) -> &'s [T] {
    let len = items.len();
    let count = count.min(len);
    for i in 0..count {
        let j = i + stream.uniform((len - i) as u64) as usize;
        items.swap(i, j);
    }
    &items[..count]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn batch(id: &str, institution: &str) -> PoolBatch {
        PoolBatch {
            batch_id: id.to_owned(),
            institution_id: institution.to_owned(),
        }
    }

    fn inspector(id: &str, affiliations: &[&str]) -> PoolInspector {
        PoolInspector {
            inspector_id: id.to_owned(),
            affiliated_institution_ids: affiliations.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    fn previous(inspector_id: &str, institution_id: &str) -> PreviousAssignment {
        PreviousAssignment {
            inspector_id: inspector_id.to_owned(),
            institution_id: institution_id.to_owned(),
        }
    }

    type Mutation = fn(&mut DrawInput);

    fn seed(byte: u8) -> Seed {
        Seed::from_bytes([byte; 32])
    }

    /// The golden-vector pool: 5 batches in 3 institutions, 4 inspectors, one affiliation and one
    /// previous assignment. Deliberately not in sorted order.
    fn golden_input() -> DrawInput {
        DrawInput {
            batches: vec![
                batch("B-2026-004", "INST-B"),
                batch("B-2026-001", "INST-A"),
                batch("B-2026-005", "INST-C"),
                batch("B-2026-002", "INST-A"),
                batch("B-2026-003", "INST-B"),
            ],
            inspectors: vec![
                inspector("INSP-03", &[]),
                inspector("INSP-01", &["INST-A"]),
                inspector("INSP-04", &[]),
                inspector("INSP-02", &[]),
            ],
            previous_assignments: vec![previous("INSP-02", "INST-B")],
            batch_count: 3,
            inspectors_per_batch: 2,
        }
    }

    const GOLDEN_SEED: &str = "c70a5bb8c81df172bbb34d97f599728b53685aad02aaa1cfc52f7407335bbad0";

    fn large_input() -> DrawInput {
        DrawInput {
            batches: (0..60)
                .map(|n| batch(&format!("B{n:03}"), &format!("I{}", n % 12)))
                .collect(),
            inspectors: (0..30)
                .map(|n| inspector(&format!("P{n:02}"), &[&format!("I{}", n % 12)]))
                .collect(),
            previous_assignments: vec![previous("P01", "I2"), previous("P05", "I7")],
            batch_count: 10,
            inspectors_per_batch: 3,
        }
    }

    #[test]
    fn same_input_and_seed_give_same_result() {
        // -- Setup & Fixtures
        let input = large_input();
        // -- Exec
        let first = run_draw(&input, &seed(7)).unwrap();
        let second = run_draw(&input.clone(), &seed(7)).unwrap();
        // -- Check
        assert_eq!(first, second);
        assert_eq!(first.picks.len(), 10);
    }

    #[test]
    fn input_order_does_not_change_result() {
        // -- Setup & Fixtures
        let input = golden_input();
        let mut shuffled = input.clone();
        shuffled.batches.reverse();
        shuffled.inspectors.rotate_left(1);
        shuffled.inspectors[0].affiliated_institution_ids = vec!["INST-C".into(), "INST-A".into()];
        let mut sorted = input.clone();
        sorted
            .inspectors
            .sort_by(|a, b| a.inspector_id.cmp(&b.inspector_id));
        sorted.inspectors[0].affiliated_institution_ids = vec!["INST-A".into(), "INST-C".into()];
        shuffled.previous_assignments =
            vec![previous("INSP-03", "INST-C"), previous("INSP-02", "INST-B")];
        sorted.previous_assignments =
            vec![previous("INSP-02", "INST-B"), previous("INSP-03", "INST-C")];
        // -- Exec
        let a = run_draw(&sorted, &seed(3)).unwrap();
        let b = run_draw(&shuffled, &seed(3)).unwrap();
        // -- Check
        assert_eq!(a, b);
        assert_eq!(pool_digest(&sorted), pool_digest(&shuffled));
    }

    #[test]
    fn different_seed_changes_result() {
        let input = large_input();
        let a = run_draw(&input, &seed(1)).unwrap();
        let b = run_draw(&input, &seed(2)).unwrap();
        assert_ne!(a.picks, b.picks);
        assert_eq!(a.pool_digest, b.pool_digest);
    }

    #[test]
    fn shortfall_when_too_few_eligible_inspectors() {
        // -- Setup & Fixtures
        let input = DrawInput {
            batches: vec![batch("B1", "X")],
            inspectors: vec![
                inspector("P1", &["X"]),
                inspector("P2", &[]),
                inspector("P3", &[]),
            ],
            previous_assignments: vec![previous("P3", "X")],
            batch_count: 1,
            inspectors_per_batch: 3,
        };
        // -- Exec
        let result = run_draw(&input, &seed(9)).unwrap();
        // -- Check
        assert_eq!(result.picks[0].inspector_ids, vec!["P2".to_owned()]);
        assert_eq!(result.picks[0].shortfall, 2);
    }

    #[test]
    fn no_eligible_inspector_gives_full_shortfall() {
        let input = DrawInput {
            batches: vec![batch("B1", "X"), batch("B2", "Y")],
            inspectors: vec![inspector("P1", &["X", "Y"])],
            previous_assignments: vec![],
            batch_count: 2,
            inspectors_per_batch: 2,
        };
        let result = run_draw(&input, &seed(4)).unwrap();
        assert!(
            result
                .picks
                .iter()
                .all(|p| p.inspector_ids.is_empty() && p.shortfall == 2)
        );
    }

    #[test]
    fn k_larger_than_pool_picks_all() {
        // -- Setup & Fixtures
        let mut input = golden_input();
        input.batch_count = 50;
        // -- Exec
        let result = run_draw(&input, &seed(5)).unwrap();
        // -- Check
        let mut ids: Vec<_> = result.picks.iter().map(|p| p.batch_id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(
            ids,
            [
                "B-2026-001",
                "B-2026-002",
                "B-2026-003",
                "B-2026-004",
                "B-2026-005"
            ]
        );
        assert_eq!(result.requested_batches, 50);
    }

    #[test]
    fn commitment_verifies_only_its_seed() {
        let s = seed(0xab);
        let c = commitment(&s);
        assert_eq!(c.len(), 64);
        assert!(verify_commitment(&s, &c));
        assert!(verify_commitment(&s, &c.to_uppercase()));
        assert!(!verify_commitment(&seed(0xac), &c));
        assert!(!verify_commitment(&s, ""));
    }

    #[test]
    fn commitment_is_sha256_of_seed_text() {
        // `printf '%s' 000…0 (64 zeros) | sha256sum`
        let s = Seed::parse(&"0".repeat(64)).unwrap();
        assert_eq!(
            commitment(&s),
            "60e05bd1b195af2f94112fa7197a5c88289058840ce7c6df9693756bc6250f55"
        );
    }

    #[test]
    fn seed_accepts_only_64_lowercase_hex() {
        let good = "0123456789abcdef".repeat(4);
        assert_eq!(Seed::parse(&good).unwrap().as_str(), good);
        for bad in [
            String::new(),
            "0123456789ABCDEF".repeat(4),
            "0123456789abcdef".repeat(4) + "0",
            "0123456789abcdef".repeat(3) + "0123456789abcdeg",
            "０".repeat(64),
        ] {
            assert_eq!(Seed::parse(&bad), Err(DrawError::InvalidSeed), "{bad}");
        }
        let json = format!("\"{good}\"");
        let parsed: Seed = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&parsed).unwrap(), json);
        assert!(serde_json::from_str::<Seed>("\"abc\"").is_err());
    }

    #[test]
    fn invalid_inputs_are_refused() {
        let s = seed(1);
        let cases: [(Mutation, DrawError); 6] = [
            (|i| i.batch_count = 0, DrawError::BatchCountZero),
            (
                |i| i.inspectors_per_batch = 0,
                DrawError::InspectorsPerBatchZero,
            ),
            (|i| i.batches.clear(), DrawError::EmptyBatchPool),
            (|i| i.inspectors.clear(), DrawError::EmptyInspectorPool),
            (
                |i| i.batches.push(batch("B-2026-002", "INST-C")),
                DrawError::DuplicateBatch {
                    batch_id: "B-2026-002".into(),
                },
            ),
            (
                |i| i.inspectors.push(inspector("INSP-04", &["INST-B"])),
                DrawError::DuplicateInspector {
                    inspector_id: "INSP-04".into(),
                },
            ),
        ];
        for (mutate, expected) in cases {
            let mut input = golden_input();
            mutate(&mut input);
            assert_eq!(run_draw(&input, &s), Err(expected.clone()));
            assert_eq!(expected.code(), "VALIDATION");
        }
    }

    #[test]
    fn pool_digest_changes_with_any_entry() {
        let base = pool_digest(&golden_input());
        let changes: [Mutation; 8] = [
            |i| i.batches[0].institution_id = "INST-C".into(),
            |i| i.batches[1].batch_id = "B-2026-006".into(),
            |i| {
                i.inspectors[2]
                    .affiliated_institution_ids
                    .push("INST-B".into())
            },
            |i| i.inspectors[0].inspector_id = "INSP-05".into(),
            |i| i.previous_assignments[0].institution_id = "INST-C".into(),
            |i| i.previous_assignments.clear(),
            |i| i.batch_count = 4,
            |i| i.inspectors_per_batch = 1,
        ];
        for change in changes {
            let mut input = golden_input();
            change(&mut input);
            assert_ne!(pool_digest(&input), base);
        }
    }

    #[test]
    fn canonical_json_is_sorted_compact_and_escaped() {
        let input = DrawInput {
            batches: vec![batch("b\"2", "机构"), batch("b1", "x\n")],
            inspectors: vec![inspector("p", &["z", "a", "z"])],
            previous_assignments: vec![previous("p", "z"), previous("p", "a"), previous("p", "z")],
            batch_count: 1,
            inspectors_per_batch: 2,
        };
        assert_eq!(
            canonical_json(&input),
            concat!(
                r#"{"batch_count":1,"batches":[{"batch_id":"b\"2","institution_id":"机构"},"#,
                r#"{"batch_id":"b1","institution_id":"x\n"}],"#,
                r#""inspectors":[{"affiliated_institution_ids":["a","z"],"inspector_id":"p"}],"#,
                r#""inspectors_per_batch":2,"previous_assignments":"#,
                r#"[{"inspector_id":"p","institution_id":"a"},"#,
                r#"{"inspector_id":"p","institution_id":"z"}]}"#,
            )
        );
    }

    #[test]
    fn uniform_rejects_the_biased_tail() {
        // n = 3: ⌊2⁶⁴/3⌋·3 = 2⁶⁴ − 1, so only u64::MAX is rejected.
        assert_eq!(accept(u64::MAX, 3), None);
        assert_eq!(accept(u64::MAX - 1, 3), Some((u64::MAX - 1) % 3));
        assert_eq!(accept(u64::MAX, 1), Some(0));
        assert_eq!(accept(u64::MAX, 2), Some(1));
    }

    #[test]
    fn stream_number_zero_matches_sha256sum() {
        // `printf '%s:%d' 000…0 (64 zeros) 0 | sha256sum | cut -c1-16`
        let s = Seed::parse(&"0".repeat(64)).unwrap();
        let mut stream = Stream::new(&s);
        assert_eq!(
            stream.next_number(),
            u64::from_str_radix("6a2ea17ca8998eeb", 16).unwrap()
        );
        assert_eq!(stream.counter, 1);
    }

    #[test]
    fn golden_vector() {
        // GOLDEN_RESULT and the commitment below are the stdout and stderr of the independent
        // Python implementation, pasted unchanged:
        // `python3 backend/domain/tools/recompute_draw.py golden.json GOLDEN_SEED`, where
        // golden.json is `golden_input()` as JSON, in the same (unsorted) order.
        // -- Setup & Fixtures
        let seed = Seed::parse(GOLDEN_SEED).unwrap();
        let expected: DrawResult = serde_json::from_str(GOLDEN_RESULT).unwrap();
        // -- Exec
        let result = run_draw(&golden_input(), &seed).unwrap();
        // -- Check
        assert_eq!(result, expected);
        assert_eq!(
            commitment(&seed),
            "b0adfb36b2d0cf77dc4bcc8270e30eda91af4ba348a3924d48053597b03acf30"
        );
    }

    const GOLDEN_RESULT: &str = r#"{
  "picks": [
    {
      "batch_id": "B-2026-001",
      "institution_id": "INST-A",
      "inspector_ids": [
        "INSP-03",
        "INSP-02"
      ],
      "shortfall": 0
    },
    {
      "batch_id": "B-2026-003",
      "institution_id": "INST-B",
      "inspector_ids": [
        "INSP-01",
        "INSP-04"
      ],
      "shortfall": 0
    },
    {
      "batch_id": "B-2026-004",
      "institution_id": "INST-B",
      "inspector_ids": [
        "INSP-01",
        "INSP-04"
      ],
      "shortfall": 0
    }
  ],
  "requested_batches": 3,
  "pool_digest": "f685969a45c35dedd232b6d57ee1813c94470e18e57144697a08dffe6a41a902"
}"#;

    #[test]
    fn published_golden_draw_verifies_and_any_change_fails() {
        // -- Setup & Fixtures
        let input = golden_input();
        let seed = Seed::parse(GOLDEN_SEED).unwrap();
        let snapshot = canonical_json(&input);
        let result = run_draw(&input, &seed).unwrap();
        let commit = commitment(&seed);
        let digest = pool_digest(&input);
        // -- Exec & Check
        let ok = verify_published(&snapshot, GOLDEN_SEED, &commit, &digest, &result);
        assert_eq!(
            ok,
            Verification {
                commitment_ok: true,
                pool_digest_ok: true,
                result_ok: true,
                matches: true
            }
        );
        assert_eq!(check(&input), Ok(()));

        // A changed pool: its digest and its result no longer match.
        let tampered = snapshot.replace("INSP-01", "INSP-09");
        let v = verify_published(&tampered, GOLDEN_SEED, &commit, &digest, &result);
        assert!(v.commitment_ok && !v.pool_digest_ok && !v.matches);
        // Another seed: neither the commitment nor the result.
        let other = "0".repeat(64);
        let v = verify_published(&snapshot, &other, &commit, &digest, &result);
        assert!(!v.commitment_ok && !v.result_ok && !v.matches);
        // A changed result.
        let mut forged = result.clone();
        forged.picks[0].inspector_ids.reverse();
        let v = verify_published(&snapshot, GOLDEN_SEED, &commit, &digest, &forged);
        assert!(v.commitment_ok && v.pool_digest_ok && !v.result_ok && !v.matches);
        // Same pool, re-spaced: same meaning, different published bytes.
        let spaced = snapshot.replace(",", ", ");
        let v = verify_published(&spaced, GOLDEN_SEED, &commit, &digest, &result);
        assert!(!v.pool_digest_ok && !v.matches);
        // Garbage.
        assert!(!verify_published("{", "x", "", "", &result).matches);
    }

    #[test]
    fn canonical_json_parses_back_to_the_same_pool() {
        let input = golden_input();
        let parsed: DrawInput = serde_json::from_str(&canonical_json(&input)).unwrap();
        assert_eq!(canonical_json(&parsed), canonical_json(&input));
        assert_eq!(
            run_draw(&parsed, &seed(3)).unwrap(),
            run_draw(&input, &seed(3)).unwrap()
        );
    }

    /// SPEC §7's two conflicts, checked directly against the raw input.
    fn conflicts(input: &DrawInput, inspector_id: &str, institution_id: &str) -> bool {
        let affiliated = input.inspectors.iter().any(|i| {
            i.inspector_id == inspector_id
                && i.affiliated_institution_ids
                    .iter()
                    .any(|a| a == institution_id)
        });
        affiliated
            || input
                .previous_assignments
                .contains(&previous(inspector_id, institution_id))
    }

    fn arb_input() -> impl Strategy<Value = DrawInput> {
        let institution = (0..6u8).prop_map(|n| format!("I{n}"));
        let batches = prop::collection::btree_map("B[0-9]{1,3}", institution.clone(), 1..25);
        let inspectors = prop::collection::btree_map(
            "P[0-9]{1,2}",
            prop::collection::vec(institution.clone(), 0..3),
            1..12,
        );
        let previous = prop::collection::vec(("P[0-9]{1,2}", institution), 0..10);
        (batches, inspectors, previous, 1..30u32, 1..6u32).prop_map(
            |(batches, inspectors, previous, k, m)| DrawInput {
                batches: batches
                    .into_iter()
                    .map(|(batch_id, institution_id)| PoolBatch {
                        batch_id,
                        institution_id,
                    })
                    .collect(),
                inspectors: inspectors
                    .into_iter()
                    .map(|(inspector_id, affiliated_institution_ids)| PoolInspector {
                        inspector_id,
                        affiliated_institution_ids,
                    })
                    .collect(),
                previous_assignments: previous
                    .into_iter()
                    .map(|(inspector_id, institution_id)| PreviousAssignment {
                        inspector_id,
                        institution_id,
                    })
                    .collect(),
                batch_count: k,
                inspectors_per_batch: m,
            },
        )
    }

    proptest! {
        #[test]
        fn conflicts_are_never_assigned(input in arb_input(), bytes in any::<[u8; 32]>()) {
            let result = run_draw(&input, &Seed::from_bytes(bytes)).unwrap();
            let m = input.inspectors_per_batch as usize;
            let k = input.batch_count as usize;
            prop_assert_eq!(result.picks.len(), k.min(input.batches.len()));
            let picked: BTreeSet<_> = result.picks.iter().map(|p| &p.batch_id).collect();
            prop_assert_eq!(picked.len(), result.picks.len());
            for pick in &result.picks {
                let institution = &pick.institution_id;
                prop_assert!(input.batches.contains(&batch(&pick.batch_id, institution)));
                for id in &pick.inspector_ids {
                    prop_assert!(input.inspectors.iter().any(|i| &i.inspector_id == id));
                    prop_assert!(!conflicts(&input, id, institution));
                }
                let eligible = input
                    .inspectors
                    .iter()
                    .filter(|i| !conflicts(&input, &i.inspector_id, institution))
                    .count();
                let distinct: BTreeSet<_> = pick.inspector_ids.iter().collect();
                prop_assert_eq!(distinct.len(), pick.inspector_ids.len());
                prop_assert_eq!(pick.inspector_ids.len(), m.min(eligible));
                prop_assert_eq!(pick.shortfall as usize, m - pick.inspector_ids.len());
            }
        }

        #[test]
        fn any_input_order_gives_the_same_result(
            (input, shuffled) in arb_input().prop_flat_map(|input| {
                let batches = Just(input.batches.clone()).prop_shuffle();
                let inspectors = Just(input.inspectors.clone()).prop_shuffle();
                let previous = Just(input.previous_assignments.clone()).prop_shuffle();
                (Just(input), batches, inspectors, previous).prop_map(|(input, b, i, p)| {
                    let shuffled = DrawInput {
                        batches: b,
                        inspectors: i,
                        previous_assignments: p,
                        ..input.clone()
                    };
                    (input, shuffled)
                })
            }),
            bytes in any::<[u8; 32]>(),
        ) {
            let s = Seed::from_bytes(bytes);
            prop_assert_eq!(run_draw(&input, &s), run_draw(&shuffled, &s));
        }
    }
}
