// 归档 and 证书上报 helpers (views/info/archive.ts): the export range check (≤ 366 days, both
// ends counted), file names, when 归档 applies, and the archive metadata as the page shows it.
import { describe, expect, it } from 'vitest';
import type { Archive } from '@/api/archive';
import { exportPath } from '@/api/archive';
import {
  EXPORT_MAX_DAYS,
  archiveFacts,
  archiveFileName,
  canArchive,
  defaultExportRange,
  exportFileName,
  exportRangeProblem,
  groupedHash,
  rangeDays,
} from '@/views/info/archive';

describe('export range', () => {
  it('counts both ends', () => {
    expect(rangeDays('2026-01-01', '2026-01-01')).toBe(1);
    expect(rangeDays('2026-01-01', '2026-12-31')).toBe(365);
    expect(rangeDays('2024-01-01', '2024-12-31')).toBe(366);
  });

  it('accepts up to 366 days', () => {
    expect(exportRangeProblem('2026-01-01', '2026-01-31')).toBeNull();
    expect(exportRangeProblem('2024-01-01', '2024-12-31')).toBeNull();
    expect(exportRangeProblem('2026-01-01', '2027-01-01')).toBeNull();
    expect(rangeDays('2026-01-01', '2027-01-01')).toBe(EXPORT_MAX_DAYS);
  });

  it('refuses 367 days', () => {
    expect(exportRangeProblem('2026-01-01', '2027-01-02')).toContain('367 天');
  });

  it('refuses a reversed or missing range and bad dates', () => {
    expect(exportRangeProblem('2026-02-01', '2026-01-31')).toBe('结束日期不能早于开始日期');
    expect(exportRangeProblem(null, '2026-01-31')).toContain('请选择');
    expect(exportRangeProblem('2026-01-01', '')).toContain('请选择');
    expect(exportRangeProblem('2026-02-30', '2026-03-01')).toContain('YYYY-MM-DD');
    expect(exportRangeProblem('2026/01/01', '2026-03-01')).toContain('YYYY-MM-DD');
  });

  it('defaults to the month so far', () => {
    expect(defaultExportRange('2026-11-28')).toEqual(['2026-11-01', '2026-11-28']);
    expect(defaultExportRange('2026-03-01')).toEqual(['2026-03-01', '2026-03-01']);
  });

  it('names the file and builds the query', () => {
    expect(exportFileName('2026-01-01', '2026-01-31', 'xlsx')).toBe('证书上报-20260101-20260131.xlsx');
    expect(exportPath('2026-01-01', '2026-01-31', 'csv')).toBe('/api/v1/certificates/export?from=2026-01-01&to=2026-01-31&format=csv');
  });
});

describe('archive', () => {
  const archive: Archive = {
    batch_id: '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001',
    sha256: 'a'.repeat(56) + '01234567',
    size: 2_345_678,
    file_count: 42,
    manifest_sha256: 'b'.repeat(64),
    format: 'skillcert-archive/1',
    created_by: '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0002',
    created_by_name: '信息部张三',
    created_at: '2026-03-10T01:30:00Z',
    download_path: '/api/v1/batches/x/archive/zip',
    revoked_since_archive: [],
  };

  it('applies to completed batches only', () => {
    expect(canArchive('completed')).toBe(true);
    expect(canArchive('archived')).toBe(false);
    expect(canArchive('issuing')).toBe(false);
  });

  it('shows the metadata in China time with sizes in words', () => {
    const facts = archiveFacts(archive);
    expect(facts.map((f) => f.label)).toEqual(['归档时间', 'SHA-256', '文件数', '归档包大小', '格式']);
    expect(facts[0].value).toBe('2026-03-10 09:30（信息部张三）');
    expect(facts[1]).toMatchObject({ value: archive.sha256, mono: true });
    expect(facts[2].value).toMatch(/^42 个/);
    expect(facts[3].value).toBe('2.2 MB（2,345,678 字节）');
  });

  it('leaves out a missing archiver name', () => {
    expect(archiveFacts({ ...archive, created_by_name: null })[0].value).toBe('2026-03-10 09:30');
  });

  it('groups the hash by 8 and names the zip', () => {
    const grouped = groupedHash(archive.sha256);
    expect(grouped.split(' ')).toHaveLength(8);
    expect(grouped.endsWith('01234567')).toBe(true);
    expect(archiveFileName('ABCD1234')).toBe('归档-批次ABCD1234.zip');
  });
});
