// Server-side paging state (components/usePagedList.ts): the latest load wins, errors are kept.
import { describe, expect, it, vi } from 'vitest';
import { ApiProblem } from '@/api/client';

vi.mock('@/api/problem', () => ({ showProblem: (e: unknown) => e }));

const { usePagedList } = await import('@/components/usePagedList');

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('usePagedList', () => {
  it('asks for the current page and size, and goes back to page 1 on reload', async () => {
    const calls: [number, number][] = [];
    const list = usePagedList<string>(async (page, size) => {
      calls.push([page, size]);
      return { items: [`p${page}`], total: 45 };
    }, 20);
    list.page.value = 3;
    await list.load();
    expect(list.items.value).toEqual(['p3']);
    expect(list.total.value).toBe(45);
    expect(list.loaded.value).toBe(true);
    await list.reload();
    expect(calls).toEqual([
      [3, 20],
      [1, 20],
    ]);
  });

  it('keeps the answer of the latest load when an older one arrives later', async () => {
    const first = deferred<{ items: string[]; total: number }>();
    const second = deferred<{ items: string[]; total: number }>();
    const answers = [first, second];
    const list = usePagedList<string>(() => answers.shift()!.promise);
    const a = list.load();
    const b = list.load();
    second.resolve({ items: ['new'], total: 1 });
    await b;
    expect(list.loading.value).toBe(false);
    first.resolve({ items: ['old'], total: 9 });
    await a;
    expect(list.items.value).toEqual(['new']);
    expect(list.total.value).toBe(1);
  });

  it('keeps the problem and empties the page on an error, and clears it on the next success', async () => {
    const problem = new ApiProblem({ status: 403, code: 'FORBIDDEN', title: '无权执行此操作' });
    let fail = true;
    const list = usePagedList<string>(async () => {
      if (fail) throw problem;
      return { items: ['x'], total: 1 };
    });
    await list.load();
    expect(list.error.value).toBe(problem);
    expect(list.items.value).toEqual([]);
    expect(list.loading.value).toBe(false);
    fail = false;
    await list.load();
    expect(list.error.value).toBeNull();
    expect(list.items.value).toEqual(['x']);
  });
});
