// The 信息部's certificate pages: status labels, where a batch stands in 证书发放, the issued
// number ranges in words, the revocation reason check (views/info/certificates.ts).
import { describe, expect, it } from 'vitest';
import type { Batch } from '@/api/batches';
import {
  batchNo,
  certificateStatus,
  describeRange,
  issuancePhase,
  PHASE_NAMES,
  revokeReasonProblem,
} from '@/views/info/certificates';

type StepState = Batch['steps'][number]['state'];

function batch(status: string, issuance: StepState | null): Pick<Batch, 'status' | 'steps'> {
  const steps: Batch['steps'] = [
    { step: 'certificate', name: '证书管理', state: 'approved', state_name: '已通过', reviewer: 'supervisor', beside: false },
  ];
  if (issuance) steps.push({ step: 'issuance', name: '证书发放', state: issuance, state_name: '', reviewer: 'info_office', beside: false });
  return { status, steps };
}

describe('certificate status', () => {
  it('names the three states in Chinese with their tag colours', () => {
    expect(certificateStatus('issued')).toEqual({ label: '已发放', tag: 'primary' });
    expect(certificateStatus('published')).toEqual({ label: '已上网', tag: 'success' });
    expect(certificateStatus('revoked')).toEqual({ label: '已撤销', tag: 'danger' });
  });

  it('shows an unknown code as it is, neutral', () => {
    expect(certificateStatus('suspended')).toEqual({ label: 'suspended', tag: 'info' });
  });
});

describe('issuancePhase', () => {
  it('is not open before the certificate step is approved', () => {
    expect(issuancePhase(batch('under_review', 'not_started'), 0)).toBe('not_open');
    expect(issuancePhase(batch('in_progress', null), 0)).toBe('not_open');
  });

  it('waits for the issuance while the step is open and nothing is issued', () => {
    expect(issuancePhase(batch('issuing', 'submitted'), 0)).toBe('to_issue');
    expect(issuancePhase(batch('issuing', 'draft'), 0)).toBe('to_issue');
  });

  it('waits for publication once certificates exist and the step is still open', () => {
    expect(issuancePhase(batch('issuing', 'submitted'), 3)).toBe('to_publish');
  });

  it('is done when the batch is completed or archived, whatever the count', () => {
    expect(issuancePhase(batch('completed', 'approved'), 3)).toBe('done');
    expect(issuancePhase(batch('archived', 'approved'), 3)).toBe('done');
    expect(issuancePhase(batch('issuing', 'approved'), 3)).toBe('done');
  });

  it('has a Chinese name for every phase', () => {
    expect(Object.values(PHASE_NAMES)).toEqual(['未到发证环节', '待发证', '已发证，待上网', '已上网']);
  });
});

describe('describeRange', () => {
  it('gives the level, first and last number and the count', () => {
    expect(describeRange({ level: 5, first: 'S000041410001265000001', last: 'S000041410001265000003', count: 3 })).toBe(
      '五级/初级工：S000041410001265000001 至 S000041410001265000003（3 本）',
    );
  });

  it('gives a single number without 至', () => {
    expect(describeRange({ level: 4, first: 'S000041410001264000007', last: 'S000041410001264000007', count: 1 })).toBe(
      '四级/中级工：S000041410001264000007（1 本）',
    );
  });
});

describe('revokeReasonProblem', () => {
  it('requires a reason (spaces are none)', () => {
    expect(revokeReasonProblem('')).toMatch(/请填写撤销原因/);
    expect(revokeReasonProblem('   \n ')).toMatch(/请填写撤销原因/);
  });

  it('allows up to 500 characters, counted as characters, not UTF-16 units', () => {
    expect(revokeReasonProblem('证'.repeat(500))).toBeNull();
    expect(revokeReasonProblem('𠀀'.repeat(500))).toBeNull();
    expect(revokeReasonProblem('证'.repeat(501))).toBe('撤销原因不超过 500 字（当前 501 字）');
  });

  it('accepts a real reason', () => {
    expect(revokeReasonProblem('经核查，该考生理论考试存在替考行为。')).toBeNull();
  });
});

describe('batchNo', () => {
  it('is the upper-case tail of the UUID', () => {
    expect(batchNo('019c5a2e-7b1d-7c3e-9f00-0a1b2c3d4e5f')).toBe('2C3D4E5F');
  });
});
