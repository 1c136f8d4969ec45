import { test } from "node:test";
import assert from "node:assert/strict";
import { Backoff } from "../../pwa/js/backoff.js";

const noJitter = () => 0.5; // 2 * 0.5 - 1 = 0: the delay itself

test("delays double from 1 s and stop growing at 5 min", () => {
  const b = new Backoff({ random: noJitter });
  const seq = Array.from({ length: 12 }, () => b.next());
  assert.deepEqual(seq, [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000, 300000]);
  assert.equal(b.attempt, 12);
});

test("reset starts again from the shortest delay", () => {
  const b = new Backoff({ random: noJitter });
  b.next();
  b.next();
  b.reset();
  assert.equal(b.attempt, 0);
  assert.equal(b.next(), 1000);
});

test("jitter spreads a delay by at most the given fraction and never passes the cap", () => {
  const low = new Backoff({ random: () => 0 });
  const high = new Backoff({ random: () => 0.999999 });
  for (let i = 0; i < 4; i += 1) {
    const base = 1000 * 2 ** i;
    const lo = low.next();
    const hi = high.next();
    assert.ok(lo >= Math.max(1000, base * 0.8) - 1 && lo <= base, `low ${lo} for ${base}`);
    assert.ok(hi >= base && hi <= base * 1.2 + 1, `high ${hi} for ${base}`);
  }
  const capped = new Backoff({ random: () => 0.999999 });
  for (let i = 0; i < 20; i += 1) assert.ok(capped.next() <= 300000);
});

test("min, max and factor are configurable", () => {
  const b = new Backoff({ min: 500, max: 3000, factor: 3, jitter: 0 });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next()], [500, 1500, 3000, 3000]);
});
