// "Today" is the server's, in Beijing time, whatever the phone's clock and zone say.
import { test } from "node:test";
import assert from "node:assert/strict";

import { addDays, learnServerTime, localDay, localMonth, localWeek, serverNow, weekOfDay } from "../../pwa/js/clock.js";

test("07:30 Beijing time on 1 December is 23:30 UTC the day before, and it is already December", () => {
  const at = new Date("2026-11-30T23:30:00Z");
  assert.equal(localDay(at), "2026-12-01");
  assert.equal(localMonth(at), "2026-12");
  assert.equal(localWeek(at), "2026-W49");
});

test("new year's eve 23:30 UTC is already 2027 in Beijing, still in ISO week 2026-W53", () => {
  const at = new Date("2026-12-31T23:30:00Z");
  assert.equal(localDay(at), "2027-01-01");
  assert.equal(localMonth(at), "2027-01");
  assert.equal(localWeek(at), "2026-W53");
  assert.equal(weekOfDay("2027-01-04"), "2027-W01");
  assert.equal(weekOfDay("2024-12-30"), "2025-W01");
});

test("days are added across month and year ends", () => {
  assert.equal(addDays("2026-12-31", 1), "2027-01-01");
  assert.equal(addDays("2027-03-01", -1), "2027-02-28");
  assert.equal(addDays("2026-12-02", -21), "2026-11-11");
});

test("the server's time corrects a phone whose clock is a day off", () => {
  const phoneNow = Date.now();
  // The server says it is 2026-11-27 10:00 Beijing time; the round trip took 200 ms.
  learnServerTime("2026-11-27T10:00:00+08:00", phoneNow - 200, phoneNow);
  const now = serverNow();
  assert.ok(Math.abs(now - Date.parse("2026-11-27T02:00:00.100Z")) < 1000, now.toISOString());
  assert.equal(localDay(), "2026-11-27");
  assert.equal(localWeek(), "2026-W48");
  learnServerTime(null, phoneNow);  // an answer without the header changes nothing
  assert.equal(localDay(), "2026-11-27");
});

test("the fixed UTC+8 offset gives the same day as the Asia/Shanghai zone, every hour edge from 1992 to 2060", () => {
  const zone = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" });
  const start = Date.UTC(1992, 0, 1);
  const end = Date.UTC(2060, 0, 1);
  let checked = 0;
  // Every 15h59m59s (drifts across every hour and minute of the day), and both sides of each
  // Beijing midnight near it.
  for (let t = start; t < end; t += 57599000) {
    for (const at of [t, t - (t + 8 * 3600e3) % 86400e3, t - (t + 8 * 3600e3) % 86400e3 - 1]) {
      assert.equal(localDay(new Date(at)), zone.format(new Date(at)), new Date(at).toISOString());
      checked += 1;
    }
  }
  assert.ok(checked > 100000);
  assert.throws(() => localDay(new Date(NaN)), RangeError);
});
