import { test } from "node:test";
import assert from "node:assert/strict";
import { daysOpen, matchOpenFinding } from "../../pwa/js/open-findings.js";

const f = (id, extra) => ({ id, code: `MH-2026-${id}`, status: "assigned", point_id: 7, item_code: "street.a",
  lat: 42.97, lon: 126.74, found_at: "2026-11-20T09:00:00+08:00", thumb_url: null, ...extra });

test("a failure at a point shows the oldest open finding of that item there", () => {
  const copy = { items: [f("2", { found_at: "2026-11-25T09:00:00+08:00" }), f("1"), f("3", { item_code: "street.b" }),
    f("4", { point_id: 8 })] };
  assert.equal(matchOpenFinding(copy, { point_id: 7, item_code: "street.a", lat: null, lon: null }).id, "1");
  assert.equal(matchOpenFinding(copy, { point_id: 7, item_code: "street.c", lat: null, lon: null }), null);
});

test("closed and voided findings are never shown; a rectified one is", () => {
  const copy = { items: [f("1", { status: "closed" }), f("2", { status: "void" })] };
  assert.equal(matchOpenFinding(copy, { point_id: 7, item_code: "street.a", lat: null, lon: null }), null);
  copy.items.push(f("3", { status: "rectified" }));
  assert.equal(matchOpenFinding(copy, { point_id: 7, item_code: "street.a", lat: null, lon: null }).id, "3");
});

test("此处: within 30 m of the finding, not beyond; no position, no hint", () => {
  const copy = { items: [f("1", { point_id: null })] };
  const near = { point_id: null, item_code: "street.a", lat: 42.97 + 0.0002, lon: 126.74 }; // about 22 m
  const far = { ...near, lat: 42.97 + 0.0004 }; // about 44 m
  assert.equal(matchOpenFinding(copy, near).id, "1");
  assert.equal(matchOpenFinding(copy, far), null);
  assert.equal(matchOpenFinding(copy, far, 60).id, "1");
  assert.equal(matchOpenFinding(copy, { ...near, lat: null, lon: null }), null);
  assert.equal(matchOpenFinding(undefined, near), null);
});

test("days open count Beijing dates", () => {
  assert.equal(daysOpen("2026-11-25T23:30:00+08:00", "2026-11-27"), 2);
  assert.equal(daysOpen("2026-11-26T16:30:00Z", "2026-11-27"), 0); // 00:30 on the 27th in Beijing
});
