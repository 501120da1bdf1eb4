// Before a committed draw is run: the institutions in its batch pool that no inspector of the
// pool may be sent to (SPEC §7 conflicts — affiliated, or sent there in the previous draw). A
// batch of theirs that the draw picks gets no inspector (a shortfall), so the supervisor is told
// before running rather than after.
import type { components } from '@/api/schema';

type Pool = components['schemas']['DrawPoolView'];

export interface Unstaffable {
  institution_id: string;
  institution_name: string;
  /** Batches of the institution in the pool. */
  batches: number;
}

export function unstaffable(pool: Pool): Unstaffable[] {
  const previous = new Set(pool.previous_assignments.map((p) => `${p.inspector_id}|${p.institution_id}`));
  const eligible = (institution: string) =>
    pool.inspectors.some((i) => !i.affiliated_institution_ids.includes(institution) && !previous.has(`${i.inspector_id}|${institution}`));
  const out = new Map<string, Unstaffable>();
  for (const b of pool.batches) {
    if (eligible(b.institution_id)) continue;
    const found = out.get(b.institution_id);
    if (found) found.batches += 1;
    else out.set(b.institution_id, { institution_id: b.institution_id, institution_name: b.institution_name, batches: 1 });
  }
  return [...out.values()];
}
