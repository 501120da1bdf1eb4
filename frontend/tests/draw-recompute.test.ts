// The browser's recomputation of a draw (utils/drawRecompute.ts) against the vectors of the
// server's procedure (backend/domain/src/draw.rs): the golden draw produced by the independent
// Python implementation, the canonical JSON example, the first stream number and commitments
// that `sha256sum` gives.
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  commitment,
  compareText,
  refusal,
  runDraw,
  sha256Hex,
  Stream,
  verifyPublished,
  type DrawInput,
} from '@/utils/drawRecompute';

const GOLDEN_SEED = 'c70a5bb8c81df172bbb34d97f599728b53685aad02aaa1cfc52f7407335bbad0';

/** draw.rs `golden_input()`, deliberately unsorted. */
function golden(): DrawInput {
  return {
    batches: [
      { batch_id: 'B-2026-004', institution_id: 'INST-B' },
      { batch_id: 'B-2026-001', institution_id: 'INST-A' },
      { batch_id: 'B-2026-005', institution_id: 'INST-C' },
      { batch_id: 'B-2026-002', institution_id: 'INST-A' },
      { batch_id: 'B-2026-003', institution_id: 'INST-B' },
    ],
    inspectors: [
      { inspector_id: 'INSP-03', affiliated_institution_ids: [] },
      { inspector_id: 'INSP-01', affiliated_institution_ids: ['INST-A'] },
      { inspector_id: 'INSP-04', affiliated_institution_ids: [] },
      { inspector_id: 'INSP-02', affiliated_institution_ids: [] },
    ],
    previous_assignments: [{ inspector_id: 'INSP-02', institution_id: 'INST-B' }],
    batch_count: 3,
    inspectors_per_batch: 2,
  };
}

const GOLDEN_RESULT = {
  picks: [
    { batch_id: 'B-2026-001', institution_id: 'INST-A', inspector_ids: ['INSP-03', 'INSP-02'], shortfall: 0 },
    { batch_id: 'B-2026-003', institution_id: 'INST-B', inspector_ids: ['INSP-01', 'INSP-04'], shortfall: 0 },
    { batch_id: 'B-2026-004', institution_id: 'INST-B', inspector_ids: ['INSP-01', 'INSP-04'], shortfall: 0 },
  ],
  requested_batches: 3,
  pool_digest: 'f685969a45c35dedd232b6d57ee1813c94470e18e57144697a08dffe6a41a902',
};

describe('SHA-256 and the seed', () => {
  it('matches sha256sum', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // Two blocks, and a multi-byte character.
    expect(sha256Hex('a'.repeat(64))).toBe('ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb');
    expect(sha256Hex('机构')).toBe('4b8c5d61d15566c0c0cc8f2210fb0acc047200464ba0c7edbc9f1577dcfd8fb9');
  });

  it('commits to the 64 hex characters of the seed', () => {
    expect(commitment('0'.repeat(64))).toBe('60e05bd1b195af2f94112fa7197a5c88289058840ce7c6df9693756bc6250f55');
    expect(commitment(GOLDEN_SEED)).toBe('b0adfb36b2d0cf77dc4bcc8270e30eda91af4ba348a3924d48053597b03acf30');
  });

  it('draws number 0 as the first 8 bytes of SHA-256("SEED:0")', () => {
    const stream = new Stream('0'.repeat(64));
    expect(stream.next()).toBe(0x6a2ea17ca8998eebn);
    expect(stream.counter).toBe(1);
  });
});

describe('the canonical pool', () => {
  it('is sorted, compact and escaped like the server writes it', () => {
    const input: DrawInput = {
      batches: [
        { batch_id: 'b"2', institution_id: '机构' },
        { batch_id: 'b1', institution_id: 'x\n' },
      ],
      inspectors: [{ inspector_id: 'p', affiliated_institution_ids: ['z', 'a', 'z'] }],
      previous_assignments: [
        { inspector_id: 'p', institution_id: 'z' },
        { inspector_id: 'p', institution_id: 'a' },
        { inspector_id: 'p', institution_id: 'z' },
      ],
      batch_count: 1,
      inspectors_per_batch: 2,
    };
    expect(canonicalJson(input)).toBe(
      '{"batch_count":1,"batches":[{"batch_id":"b\\"2","institution_id":"机构"},' +
        '{"batch_id":"b1","institution_id":"x\\n"}],' +
        '"inspectors":[{"affiliated_institution_ids":["a","z"],"inspector_id":"p"}],' +
        '"inspectors_per_batch":2,"previous_assignments":' +
        '[{"inspector_id":"p","institution_id":"a"},' +
        '{"inspector_id":"p","institution_id":"z"}]}',
    );
  });

  it('orders text by code point like UTF-8 bytes, not by UTF-16 units', () => {
    // U+FF21 (Ａ) < U+1F600 (😀) in code points; UTF-16 puts the surrogate (0xD83D) first.
    expect(compareText('\uff21', '😀')).toBeLessThan(0);
    expect('\uff21' < '😀').toBe(false);
    expect(compareText('a', 'ab')).toBeLessThan(0);
  });

  it('digests to the golden pool digest whatever the input order', () => {
    const reversed = golden();
    reversed.batches.reverse();
    reversed.inspectors.reverse();
    expect(sha256Hex(canonicalJson(golden()))).toBe(GOLDEN_RESULT.pool_digest);
    expect(canonicalJson(reversed)).toBe(canonicalJson(golden()));
  });
});

describe('the draw', () => {
  it('reproduces the golden result of the server and the Python tool', () => {
    expect(runDraw(golden(), GOLDEN_SEED)).toEqual(GOLDEN_RESULT);
  });

  it('never assigns an affiliated inspector or a last-draw pair', () => {
    const input = golden();
    input.batch_count = 5;
    input.inspectors_per_batch = 4;
    for (const seed of ['1'.repeat(64), 'ab'.repeat(32), GOLDEN_SEED]) {
      const result = runDraw(input, seed);
      expect(result.picks).toHaveLength(5);
      for (const pick of result.picks) {
        if (pick.institution_id === 'INST-A') expect(pick.inspector_ids).not.toContain('INSP-01');
        if (pick.institution_id === 'INST-B') expect(pick.inspector_ids).not.toContain('INSP-02');
        expect(pick.inspector_ids.length + pick.shortfall).toBe(4);
      }
    }
  });

  it('refuses what the server refuses', () => {
    expect(refusal({ ...golden(), batch_count: 0 })).toContain('抽取批次数');
    expect(refusal({ ...golden(), batches: [] })).toContain('认定批次为空');
    expect(() => runDraw(golden(), 'ABC')).toThrow();
  });
});

describe('verifying published data', () => {
  const published = () => ({
    pool_snapshot: canonicalJson(golden()),
    seed: GOLDEN_SEED,
    commitment: 'b0adfb36b2d0cf77dc4bcc8270e30eda91af4ba348a3924d48053597b03acf30',
    pool_digest: GOLDEN_RESULT.pool_digest,
    result: structuredClone(GOLDEN_RESULT),
  });

  it('matches the published draw', () => {
    expect(verifyPublished(published())).toEqual({ commitment_ok: true, pool_digest_ok: true, result_ok: true, matches: true });
  });

  it('fails on a changed pool, seed or result', () => {
    const pool = published();
    pool.pool_snapshot = pool.pool_snapshot.replace('INSP-01', 'INSP-09');
    expect(verifyPublished(pool)).toMatchObject({ commitment_ok: true, pool_digest_ok: false, matches: false });
    const seed = published();
    seed.seed = '0'.repeat(64);
    expect(verifyPublished(seed)).toMatchObject({ commitment_ok: false, result_ok: false, matches: false });
    const result = published();
    result.result.picks[0].inspector_ids.reverse();
    expect(verifyPublished(result)).toEqual({ commitment_ok: true, pool_digest_ok: true, result_ok: false, matches: false });
  });
});
