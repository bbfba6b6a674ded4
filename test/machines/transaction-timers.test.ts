// Transaction timers (RFC 3261 §17, Table 4; RFC 6026 §8.4, §8.7).
//
// The model-testing harness the transaction machine tests share is in harness.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  TRYING_100_DELAY,
  defaultTimers,
  nextCapped,
  nextTimerA,
  timerA,
  timerB,
  timerD,
  timerE,
  timerF,
  timerG,
  timerH,
  timerI,
  timerJ,
  timerK,
  timerL,
  timerM,
} from '../../machines/transaction-timers.js';

test('defaults: T1 500 ms, T2 4 s, T4 5 s (RFC 3261 §17.1.1.1, §17.1.2.2)', () => {
  assert.equal({ ...defaultTimers }, { T1: 500, T2: 4000, T4: 5000 });
  assert.ok(Object.isFrozen(defaultTimers));
  assert.is(TRYING_100_DELAY, 200);
});

test('Table 4 with the defaults', () => {
  const t = defaultTimers;
  assert.equal(
    [timerA(t), timerB(t), timerD(t), timerE(t), timerF(t), timerG(t), timerH(t), timerI(t), timerJ(t), timerK(t), timerL(t), timerM(t)],
    [500, 32000, 32000, 500, 32000, 500, 32000, 5000, 32000, 5000, 32000, 32000],
  );
});

test('reliable transports zero D, I, J and K, and only those', () => {
  const t = defaultTimers;
  assert.equal([timerD(t, true), timerI(t, true), timerJ(t, true), timerK(t, true)], [0, 0, 0, 0]);
  assert.equal([timerD(t, false), timerI(t, false), timerJ(t, false), timerK(t, false)], [32000, 5000, 32000, 5000]);
});

test('Timer A doubles without a cap; E and G double up to T2', () => {
  const seq = (first: number, next: (x: number) => number, n: number) => {
    const out = [first];
    while (out.length < n) out.push(next(out[out.length - 1]!));
    return out;
  };
  assert.equal(seq(timerA(defaultTimers), nextTimerA, 7), [500, 1000, 2000, 4000, 8000, 16000, 32000]);
  assert.equal(seq(timerE(defaultTimers), (x) => nextCapped(x, defaultTimers), 7), [500, 1000, 2000, 4000, 4000, 4000, 4000]);
  assert.equal(seq(timerG(defaultTimers), (x) => nextCapped(x, defaultTimers), 5), [500, 1000, 2000, 4000, 4000]);
});

test('custom T1, T2, T4 change every derived value; D never drops below 32 s', () => {
  const fast = { T1: 100, T2: 1000, T4: 2000 };
  assert.equal([timerA(fast), timerB(fast), timerD(fast), timerE(fast), timerF(fast), timerH(fast)], [100, 6400, 32000, 100, 6400, 6400]);
  assert.equal([timerI(fast), timerJ(fast), timerK(fast), timerL(fast), timerM(fast)], [2000, 6400, 2000, 6400, 6400]);
  assert.is(nextCapped(800, fast), 1000);
  const slow = { T1: 1000, T2: 4000, T4: 5000 };
  assert.is(timerD(slow), 64000);
  assert.is(timerB(slow), 64000);
});

test.run();
