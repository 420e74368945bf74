import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFrontSpans, type FrontSpans, type SpanBatchesMessage } from './front-spans';
import type { ProxySpanTuple } from './proxy-span';

const tuple = (path: string): ProxySpanTuple => ['a'.repeat(32), 'b'.repeat(16), '', 'users', 'GET', path, 'users.localhost', 1, 2, 200, 0];

describe('the front\'s spans', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));
  const spansWith = (opts: Parameters<typeof createFrontSpans>[0]): FrontSpans => {
    const spans = createFrontSpans(opts);
    cleanups.push(() => spans.close());
    return spans;
  };
  const paths = (sent: SpanBatchesMessage[]) => sent.flatMap((m) => m.batches.flatMap((text) => (JSON.parse(text) as ProxySpanTuple[]).map((t) => t[5])));

  it('keeps the newest batches up to its bound while nobody follows; a drain hands them over once, answering its id', () => {
    const sent: SpanBatchesMessage[] = [];
    const batchBytes = JSON.stringify([tuple('/0')]).length;
    const spans = spansWith({ send: (m) => m.type === 'spans' && sent.push(m), maxHeldBytes: batchBytes * 3 });
    for (let i = 0; i < 10; i++) spans.add([tuple(`/${i}`)]);
    expect(sent).toEqual([]);
    spans.drain(7);
    expect(sent.map((m) => m.id)).toEqual([7]);
    expect(paths(sent)).toEqual(['/7', '/8', '/9']);
    spans.drain(8);
    expect(sent[1]).toEqual({ type: 'spans', batches: [], id: 8 });
  });

  it('while followed sends each batch as it is made, after what it held', () => {
    const sent: SpanBatchesMessage[] = [];
    const spans = spansWith({ send: (m) => m.type === 'spans' && sent.push(m) });
    spans.add([tuple('/held')]);
    spans.follow(true);
    spans.add([tuple('/live')]);
    expect(paths(sent)).toEqual(['/held', '/live']);
    spans.follow(false);
    spans.add([tuple('/later')]);
    expect(paths(sent)).toEqual(['/held', '/live']);
  });

  it('writes every batch to its archive file as one JSON line, also the ones it dropped from memory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nx-edge-front-spans-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'proxy-spans.jsonl');
    const spans = createFrontSpans({ archive: { file, maxBytes: 1024 * 1024 }, send: () => undefined, maxHeldBytes: 10 });
    for (let i = 0; i < 5; i++) spans.add([tuple(`/${i}`), tuple(`/${i}b`)]);
    spans.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as ProxySpanTuple[]).map((t) => t[5]))).toEqual([0, 1, 2, 3, 4].map((i) => [`/${i}`, `/${i}b`]));
  });

  it('without a writable archive still hands every batch over', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nx-edge-front-spans-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const notAFolder = join(dir, 'file');
    writeFileSync(notAFolder, '');
    const sent: SpanBatchesMessage[] = [];
    const spans = spansWith({ archive: { file: join(notAFolder, 'sessions', 'proxy-spans.jsonl'), maxBytes: 1024 }, send: (m) => m.type === 'spans' && sent.push(m) });
    spans.add([tuple('/a')]);
    spans.drain(1);
    expect(paths(sent)).toEqual(['/a']);
    expect(readFileSync(notAFolder, 'utf8')).toBe('');
  });
});
