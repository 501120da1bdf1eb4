import { describe, expect, it } from 'vitest';
import { unstaffable } from '@/views/supervisor/drawStaffing';

const batch = (id: string, institution: string) => ({
  batch_id: id,
  exam_start: '2026-03-10',
  exam_end: '2026-03-11',
  institution_id: institution,
  institution_name: `机构${institution}`,
  kind: 'social_training',
  venue_region: '4103',
});

describe('unstaffable', () => {
  it('names the institutions no pool inspector may be sent to, counting their batches', () => {
    const pool = {
      batches: [batch('b1', 'A'), batch('b2', 'A'), batch('b3', 'B'), batch('b4', 'C')],
      inspectors: [
        { inspector_id: 'i1', display_name: '王一', affiliated_institution_ids: ['A'] },
        { inspector_id: 'i2', display_name: '赵二', affiliated_institution_ids: [] },
      ],
      // 赵二 went to A and B last time; 王一 is tied to A: nobody may go to A; 王一 may go to B.
      previous_assignments: [
        { inspector_id: 'i2', institution_id: 'A' },
        { inspector_id: 'i2', institution_id: 'B' },
      ],
    };
    expect(unstaffable(pool)).toEqual([{ institution_id: 'A', institution_name: '机构A', batches: 2 }]);
  });

  it('is empty when every institution has someone, and names all when there is no inspector', () => {
    const pool = { batches: [batch('b1', 'A')], inspectors: [{ inspector_id: 'i1', display_name: '王一', affiliated_institution_ids: [] }], previous_assignments: [] };
    expect(unstaffable(pool)).toEqual([]);
    expect(unstaffable({ ...pool, inspectors: [] })).toHaveLength(1);
  });
});
