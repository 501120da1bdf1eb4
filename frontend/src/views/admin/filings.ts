// The filing scope (备案范围) editor: one row per occupation with the levels ticked, converted from
// the API's flat list of (occupation, level) and back (SPEC §2 OCCUPATION_NOT_FILED).
import type { components } from '@/api/schema';

type Schemas = components['schemas'];
type FilingView = Schemas['FilingView'];
type FilingInput = Schemas['FilingInput'];
type Occupation = Schemas['OccupationView'];

export interface FilingRow {
  occupation_code: string;
  occupation_name: string;
  /** Levels ticked, 5 (五级) first. */
  levels: number[];
  /** The levels the catalogue certifies for this occupation (what may be ticked). */
  allowed: number[];
}

const byLevelDesc = (a: number, b: number) => b - a;

/** Flat filings → rows, in the order each occupation first appears; levels deduplicated. */
export function filingRows(filings: FilingView[], catalogue: Occupation[]): FilingRow[] {
  const known = new Map(catalogue.map((o) => [o.code, o]));
  const rows = new Map<string, FilingRow>();
  for (const f of filings) {
    let row = rows.get(f.occupation_code);
    if (!row) {
      const occupation = known.get(f.occupation_code);
      row = {
        occupation_code: f.occupation_code,
        occupation_name: occupation?.name ?? f.occupation_name,
        levels: [],
        allowed: occupation ? [...occupation.levels].sort(byLevelDesc) : [1, 2, 3, 4, 5].sort(byLevelDesc),
      };
      rows.set(f.occupation_code, row);
    }
    if (!row.levels.includes(f.level)) row.levels.push(f.level);
  }
  for (const row of rows.values()) row.levels.sort(byLevelDesc);
  return [...rows.values()];
}

/** A new row for an occupation of the catalogue, with nothing ticked. */
export function newFilingRow(occupation: Occupation): FilingRow {
  return {
    occupation_code: occupation.code,
    occupation_name: occupation.name,
    levels: [],
    allowed: [...occupation.levels].sort(byLevelDesc),
  };
}

/** Rows → the body's `filings`: every ticked level, rows without a level dropped. */
export function filingInputs(rows: FilingRow[]): FilingInput[] {
  const out: FilingInput[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const level of [...row.levels].sort(byLevelDesc)) {
      const key = `${row.occupation_code}#${level}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ occupation_code: row.occupation_code, level });
    }
  }
  return out;
}

/** Rows with no level ticked (the editor warns: they would be dropped). */
export function emptyRows(rows: FilingRow[]): string[] {
  return rows.filter((r) => r.levels.length === 0).map((r) => r.occupation_name || r.occupation_code);
}
