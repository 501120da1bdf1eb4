// 事件推送 helpers (views/admin/webhooks.ts): filter choices and matching, status labels, URL checks.
import { describe, expect, it } from 'vitest';
import {
  canRedeliver,
  deliveryStatus,
  filterGroups,
  filterLabel,
  filterMatches,
  lastAnswer,
  selectedTypes,
  urlProblem,
  type EventType,
} from '@/views/admin/webhooks';

const types: EventType[] = [
  { type: 'step.submitted', description: '环节已提交' },
  { type: 'step.approved', description: '环节审核通过' },
  { type: 'draw.published', description: '双随机抽取结果公布' },
  { type: 'certificates.published', description: '证书已上网公布' },
];

describe('event type filters', () => {
  it('match everything, a family prefix, or one type', () => {
    expect(filterMatches('*', 'draw.published')).toBe(true);
    expect(filterMatches('step.*', 'step.approved')).toBe(true);
    expect(filterMatches('step.*', 'steps.approved')).toBe(false);
    expect(filterMatches('step.approved', 'step.submitted')).toBe(false);
  });

  it('list the types a filter list selects, once each, in catalogue order', () => {
    expect(selectedTypes(['certificates.published', 'step.*', 'step.approved'], types).map((t) => t.type)).toEqual([
      'step.submitted',
      'step.approved',
      'certificates.published',
    ]);
    expect(selectedTypes([], types)).toEqual([]);
  });

  it('offer everything, then per family a prefix (when it has several types) and each type', () => {
    expect(filterGroups(types)).toEqual([
      { label: '全部', options: [{ value: '*', label: '全部事件（*）' }] },
      {
        label: '环节',
        options: [
          { value: 'step.*', label: '全部环节事件（step.*）' },
          { value: 'step.submitted', label: '环节已提交（step.submitted）' },
          { value: 'step.approved', label: '环节审核通过（step.approved）' },
        ],
      },
      { label: '双随机抽查', options: [{ value: 'draw.published', label: '双随机抽取结果公布（draw.published）' }] },
      { label: '证书', options: [{ value: 'certificates.published', label: '证书已上网公布（certificates.published）' }] },
    ]);
  });

  it('read as Chinese labels', () => {
    expect(filterLabel('*', types)).toBe('全部事件');
    expect(filterLabel('step.*', types)).toBe('全部环节事件');
    expect(filterLabel('draw.published', types)).toBe('双随机抽取结果公布');
    expect(filterLabel('unknown.thing', types)).toBe('unknown.thing');
  });
});

describe('deliveries', () => {
  it('have Chinese statuses', () => {
    expect(deliveryStatus('pending')).toEqual({ text: '待发送', tag: 'warning' });
    expect(deliveryStatus('dead')).toEqual({ text: '投递失败', tag: 'danger' });
    expect(deliveryStatus('other')).toEqual({ text: 'other', tag: 'info' });
  });

  it('show the last answer', () => {
    expect(lastAnswer({ attempts: 0, last_status: null })).toBe('');
    expect(lastAnswer({ attempts: 2, last_status: 503 })).toBe('HTTP 503');
    expect(lastAnswer({ attempts: 8, last_status: null })).toBe('无响应');
  });

  it('may be redelivered once ended', () => {
    expect(canRedeliver('dead')).toBe(true);
    expect(canRedeliver('delivered')).toBe(true);
    expect(canRedeliver('pending')).toBe(false);
  });
});

describe('push URLs', () => {
  it('pass when http or https with a host', () => {
    expect(urlProblem(' https://hooks.example.cn/skillcert?x=1 ')).toBeNull();
    expect(urlProblem('http://127.0.0.1:8080/hook')).toBeNull();
  });

  it('fail with the reason the server would give', () => {
    expect(urlProblem('')).toBe('请填写推送地址');
    expect(urlProblem('hooks.example.cn/x')).toContain('不是有效的 URL');
    expect(urlProblem('ftp://example.cn/')).toContain('http 或 https');
    expect(urlProblem('https://u:p@example.cn/')).toContain('用户名或密码');
    expect(urlProblem('https://example.cn/#top')).toContain('# 片段');
    expect(urlProblem(`https://example.cn/${'a'.repeat(2048)}`)).toContain('2048');
  });
});
