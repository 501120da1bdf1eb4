// Recomputing a 双随机 draw in the browser (SPEC §7: anyone can recompute the result from pools +
// seed). A third implementation of the procedure documented in backend/domain/src/draw.rs, after
// the server's Rust one and backend/domain/tools/recompute_draw.py, written from that
// documentation: the public page runs it on the published data, without trusting the server's
// own verdict. SHA-256 is implemented here too (FIPS 180-4), so it also works where WebCrypto
// is unavailable (plain http).

export interface PoolBatch {
  batch_id: string;
  institution_id: string;
}
export interface PoolInspector {
  inspector_id: string;
  affiliated_institution_ids: string[];
}
export interface PreviousAssignment {
  inspector_id: string;
  institution_id: string;
}
export interface DrawInput {
  batches: PoolBatch[];
  inspectors: PoolInspector[];
  previous_assignments: PreviousAssignment[];
  batch_count: number;
  inspectors_per_batch: number;
}
export interface DrawPick {
  batch_id: string;
  institution_id: string;
  inspector_ids: string[];
  shortfall: number;
}
export interface DrawResult {
  picks: DrawPick[];
  requested_batches: number;
  pool_digest: string;
}
export interface Verification {
  commitment_ok: boolean;
  pool_digest_ok: boolean;
  result_ok: boolean;
  matches: boolean;
}

// ---- SHA-256 ----

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  const bitLength = data.length * 8;
  const padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLength / 2 ** 32));
  view.setUint32(padded.length - 4, bitLength >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] = (h[0] + a) >>> 0;
    h[1] = (h[1] + b) >>> 0;
    h[2] = (h[2] + c) >>> 0;
    h[3] = (h[3] + d) >>> 0;
    h[4] = (h[4] + e) >>> 0;
    h[5] = (h[5] + f) >>> 0;
    h[6] = (h[6] + g) >>> 0;
    h[7] = (h[7] + hh) >>> 0;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  h.forEach((word, i) => outView.setUint32(i * 4, word));
  return out;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-256 of the UTF-8 bytes of `text`, as 64 lowercase hex digits. */
export function sha256Hex(text: string): string {
  return hex(sha256(new TextEncoder().encode(text)));
}

// ---- Step 1: seed and commitment ----

export function isSeed(seed: string): boolean {
  return /^[0-9a-f]{64}$/.test(seed);
}

/** The commitment: SHA-256 of the seed's 64 hex characters. */
export function commitment(seed: string): string {
  return sha256Hex(seed);
}

// ---- Steps 2 and 3: canonical pool and its JSON ----

/** Byte order of UTF-8, which is code point order (not JavaScript's UTF-16 order). */
export function compareText(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i].codePointAt(0) ?? 0) - (y[i].codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function compareLists(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = compareText(a[i], b[i]);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function sortedUnique(items: string[]): string[] {
  const out = [...items].sort(compareText);
  return out.filter((v, i) => i === 0 || v !== out[i - 1]);
}

export function canonicalise(input: DrawInput): DrawInput {
  const batches = input.batches
    .map((b) => ({ batch_id: b.batch_id, institution_id: b.institution_id }))
    .sort((a, b) => compareText(a.batch_id, b.batch_id) || compareText(a.institution_id, b.institution_id));
  const inspectors = input.inspectors
    .map((i) => ({ inspector_id: i.inspector_id, affiliated_institution_ids: sortedUnique(i.affiliated_institution_ids) }))
    .sort(
      (a, b) =>
        compareText(a.inspector_id, b.inspector_id) || compareLists(a.affiliated_institution_ids, b.affiliated_institution_ids),
    );
  const previous = input.previous_assignments
    .map((p) => ({ inspector_id: p.inspector_id, institution_id: p.institution_id }))
    .sort((a, b) => compareText(a.inspector_id, b.inspector_id) || compareText(a.institution_id, b.institution_id))
    .filter(
      (p, i, all) => i === 0 || p.inspector_id !== all[i - 1].inspector_id || p.institution_id !== all[i - 1].institution_id,
    );
  return {
    batches,
    inspectors,
    previous_assignments: previous,
    batch_count: input.batch_count,
    inspectors_per_batch: input.inspectors_per_batch,
  };
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A JSON string escaping only `"`, `\` and control characters (RFC 8785 for this data). */
export function jsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const short = SHORT_ESCAPES[ch];
    if (short) out += short;
    else if (ch.charCodeAt(0) < 0x20) out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Step 3: sorted keys, no whitespace, one line. */
export function canonicalJson(input: DrawInput): string {
  const c = canonicalise(input);
  const batches = c.batches.map((b) => `{"batch_id":${jsonString(b.batch_id)},"institution_id":${jsonString(b.institution_id)}}`);
  const inspectors = c.inspectors.map(
    (i) => `{"affiliated_institution_ids":[${i.affiliated_institution_ids.map(jsonString).join(',')}],"inspector_id":${jsonString(i.inspector_id)}}`,
  );
  const previous = c.previous_assignments.map(
    (p) => `{"inspector_id":${jsonString(p.inspector_id)},"institution_id":${jsonString(p.institution_id)}}`,
  );
  return (
    `{"batch_count":${c.batch_count},"batches":[${batches.join(',')}],"inspectors":[${inspectors.join(',')}],` +
    `"inspectors_per_batch":${c.inspectors_per_batch},"previous_assignments":[${previous.join(',')}]}`
  );
}

// ---- Steps 4 and 5: the numbers ----

const TWO_64 = 1n << 64n;

/** Number i: the first 8 bytes of SHA-256("SEED:i"), big-endian. */
export class Stream {
  counter = 0;
  private readonly seed: string;
  constructor(seed: string) {
    this.seed = seed;
  }

  next(): bigint {
    const digest = sha256(new TextEncoder().encode(`${this.seed}:${this.counter}`));
    this.counter += 1;
    let x = 0n;
    for (let i = 0; i < 8; i++) x = (x << 8n) | BigInt(digest[i]);
    return x;
  }

  /** uniform(n): the next number x, rejected while x ≥ n·⌊2⁶⁴/n⌋; then x mod n. */
  uniform(n: number): number {
    const big = BigInt(n);
    const limit = big * (TWO_64 / big);
    for (;;) {
      const x = this.next();
      if (x < limit) return Number(x % big);
    }
  }
}

/** Steps 6 and 7: a partial Fisher–Yates shuffle; the first min(count, length) entries. */
function shufflePrefix<T>(items: T[], count: number, stream: Stream): T[] {
  const out = [...items];
  const take = Math.min(count, out.length);
  for (let i = 0; i < take; i++) {
    const j = i + stream.uniform(out.length - i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out.slice(0, take);
}

/** Why a pool is refused (the same refusals as the server's). */
export function refusal(input: DrawInput): string | null {
  const c = canonicalise(input);
  if (!(c.batch_count >= 1)) return '抽取批次数必须大于 0';
  if (!(c.inspectors_per_batch >= 1)) return '每个批次的督导人员数必须大于 0';
  if (c.batches.length === 0) return '待抽取的认定批次为空';
  if (c.inspectors.length === 0) return '督导人员库为空';
  if (c.batches.some((b, i) => i > 0 && b.batch_id === c.batches[i - 1].batch_id)) return '认定批次重复';
  if (c.inspectors.some((p, i) => i > 0 && p.inspector_id === c.inspectors[i - 1].inspector_id)) return '督导人员重复';
  return null;
}

/** Steps 2–7. Throws on a refused pool or a malformed seed. */
export function runDraw(input: DrawInput, seed: string): DrawResult {
  if (!isSeed(seed)) throw new Error('随机种子必须是 64 位小写十六进制字符');
  const why = refusal(input);
  if (why) throw new Error(why);
  const pool = canonicalise(input);
  const previous = new Set(pool.previous_assignments.map((p) => `${p.inspector_id}\u0000${p.institution_id}`));
  const stream = new Stream(seed);
  const picked = shufflePrefix(pool.batches, pool.batch_count, stream);
  const picks = picked.map((batch) => {
    const eligible = pool.inspectors.filter(
      (i) =>
        !i.affiliated_institution_ids.includes(batch.institution_id) &&
        !previous.has(`${i.inspector_id}\u0000${batch.institution_id}`),
    );
    const chosen = shufflePrefix(eligible, pool.inspectors_per_batch, stream);
    return {
      batch_id: batch.batch_id,
      institution_id: batch.institution_id,
      inspector_ids: chosen.map((i) => i.inspector_id),
      shortfall: pool.inspectors_per_batch - chosen.length,
    };
  });
  return { picks, requested_batches: pool.batch_count, pool_digest: sha256Hex(canonicalJson(input)) };
}

function sameResult(a: DrawResult, b: DrawResult): boolean {
  return (
    a.requested_batches === b.requested_batches &&
    a.pool_digest === b.pool_digest &&
    a.picks.length === b.picks.length &&
    a.picks.every((p, i) => {
      const q = b.picks[i];
      return (
        p.batch_id === q.batch_id &&
        p.institution_id === q.institution_id &&
        p.shortfall === q.shortfall &&
        p.inspector_ids.length === q.inspector_ids.length &&
        p.inspector_ids.every((id, k) => id === q.inspector_ids[k])
      );
    })
  );
}

export interface Published {
  pool_snapshot: string;
  seed: string;
  commitment: string;
  pool_digest: string;
  result: DrawResult;
}

/** Recomputes a published draw: the same three checks as GET /public/draws/{id}/verify. */
export function verifyPublished(published: Published): Verification {
  const seedOk = isSeed(published.seed);
  const commitmentOk = seedOk && commitment(published.seed) === published.commitment.trim().toLowerCase();
  const digest = published.pool_digest.trim().toLowerCase();
  const poolDigestOk = sha256Hex(published.pool_snapshot) === digest && published.result.pool_digest.toLowerCase() === digest;
  let resultOk = false;
  if (seedOk) {
    try {
      const input = JSON.parse(published.pool_snapshot) as DrawInput;
      resultOk = sameResult(runDraw(input, published.seed), published.result);
    } catch {
      resultOk = false;
    }
  }
  return {
    commitment_ok: commitmentOk,
    pool_digest_ok: poolDigestOk,
    result_ok: resultOk,
    matches: commitmentOk && poolDigestOk && resultOk,
  };
}
