import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { JitterBuffer, type PopResult } from '../../src/rtp/jitter-buffer.js';

const show = (r: PopResult<string>): string => (r.kind === 'packet' ? `${r.seq}:${r.item}` : r.kind === 'lost' ? `lost ${r.seq}` : 'empty');
const drain = (jb: JitterBuffer<string>, n: number): string[] => Array.from({ length: n }, () => show(jb.pop()));

test('prefetch to the initial depth, then in order', () => {
  const jb = new JitterBuffer<string>({ initialDepth: 2 });
  jb.insert(10, 'a');
  assert.is(show(jb.pop()), 'empty'); // buffering: depth 1 < 2
  jb.insert(11, 'b');
  assert.equal(drain(jb, 2), ['10:a', '11:b']);
});

test('reordering inside the depth is undone', () => {
  const jb = new JitterBuffer<string>({ initialDepth: 3 });
  for (const s of [102, 100, 101, 104, 103]) jb.insert(s, `p${s}`);
  assert.equal(drain(jb, 5), ['100:p100', '101:p101', '102:p102', '103:p103', '104:p104']);
});

test('a gap is reported as loss for concealment; duplicates and late packets are dropped', () => {
  const jb = new JitterBuffer<string>({ initialDepth: 2, maxDepth: 5 });
  assert.is(jb.insert(1, 'a'), 'queued');
  assert.is(jb.insert(1, 'a'), 'duplicate');
  assert.is(jb.insert(3, 'c'), 'queued');
  assert.equal(drain(jb, 3), ['1:a', 'lost 2', '3:c']);
  assert.is(jb.insert(2, 'b'), 'late');
  const st = jb.stats;
  assert.equal([st.duplicates, st.late, st.lost], [1, 1, 1]);
  assert.is(jb.depth, 3); // a late packet grows the depth by one
});

test('sequence numbers wrapping past 65535', () => {
  const jb = new JitterBuffer<string>({ initialDepth: 2 });
  for (const s of [65534, 0, 65535, 1]) jb.insert(s, String(s));
  assert.equal(drain(jb, 5), ['65534:65534', '65535:65535', '0:0', '1:1', 'empty']);
});

test('underrun rebuffers and grows the depth; calm periods shrink it', () => {
  const jb = new JitterBuffer<string>({ initialDepth: 1, minDepth: 1, maxDepth: 4, shrinkAfter: 3 });
  jb.insert(0, 'a');
  assert.equal(drain(jb, 2), ['0:a', 'empty']);
  assert.is(jb.depth, 2);
  assert.is(jb.stats.underruns, 1);
  jb.insert(1, 'b');
  assert.is(show(jb.pop()), 'empty'); // rebuffering to depth 2
  jb.insert(2, 'c');
  jb.insert(3, 'd');
  assert.equal(drain(jb, 3), ['1:b', '2:c', '3:d']);
  assert.is(jb.depth, 1); // three calm pops (shrinkAfter) took one off
});

test('a big sequence jump restarts the buffer; a burst beyond maxDepth is trimmed', () => {
  const jb = new JitterBuffer<string>({ initialDepth: 1, maxDepth: 4, capacity: 16 });
  jb.insert(5, 'a');
  assert.is(jb.insert(30000, 'x'), 'restart');
  assert.equal(drain(jb, 1), ['30000:x']);
  for (let s = 30001; s <= 30010; s++) jb.insert(s, String(s));
  const next = show(jb.pop());
  assert.is(next, '30010:30010'); // trimmed down to the depth target of 1
  assert.is(jb.stats.discarded, 9);
  // A far-behind packet is late once; a second consecutive one means the sender restarted.
  assert.is(jb.insert(100, 'r'), 'late');
  assert.is(jb.insert(101, 's'), 'restart');
  assert.equal(drain(jb, 1), ['101:s']);
});

test('memory is bounded by capacity even when nobody pops', () => {
  const jb = new JitterBuffer<number>({ capacity: 32 });
  for (let i = 0; i < 100000; i++) jb.insert(i & 0xffff, i);
  assert.ok(jb.size <= 32);
  const first = jb.pop();
  assert.is(first.kind, 'packet');
});

test('property: any order within the window plays every packet once, in order', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 1, max: 40 }), fc.infiniteStream(fc.nat()), fc.array(fc.nat(), { maxLength: 10 }),
    (start, n, randoms, dups) => {
      const seqs = Array.from({ length: n }, (_, i) => (start + i) & 0xffff);
      const order = [...seqs, ...dups.map((d) => seqs[d % n])];
      const it = randoms[Symbol.iterator]();
      for (let i = order.length - 1; i > 0; i--) {
        const j = (it.next().value as number) % (i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      const jb = new JitterBuffer<number>({ capacity: 64, initialDepth: 1, maxDepth: 50 });
      for (const s of order) jb.insert(s, s);
      const out: number[] = [];
      for (let k = 0; k < n + 5; k++) {
        const r = jb.pop();
        if (r.kind === 'packet') out.push(r.item);
        else assert.is(r.kind, 'empty');
      }
      // Everything arrived before playout started, so nothing is lost or repeated.
      assert.equal(out, seqs);
    },
  ), { numRuns: 500 });
});

test('property: random operations never break the invariants', () => {
  fc.assert(fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constant(-1)), { maxLength: 300 }), (ops) => {
    const jb = new JitterBuffer<number>({ capacity: 16, maxDepth: 8 });
    for (const op of ops) {
      if (op < 0) jb.pop();
      else jb.insert(op, op);
      assert.ok(jb.size >= 0 && jb.size <= 16);
      assert.ok(jb.depth >= 1 && jb.depth <= 8);
    }
  }), { numRuns: 500 });
});

test.run();
