// Which fix the phone believes: the newest, unless a moment-old one is much more precise.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createGeo, judgeAccuracy } from "../../pwa/js/geo.js";

function fakeGeo() {
  let success = null;
  let failure = null;
  let t = 0;
  const geolocation = {
    watchPosition(ok, err) { success = ok; failure = err; return 1; },
    clearWatch() {},
  };
  const updates = [];
  const geo = createGeo({ geolocation, now: () => t, onUpdate: (fix, status) => updates.push([fix, status]) });
  geo.start();
  return {
    geo, updates,
    at(seconds) { t = seconds * 1000; },
    fix(lat, lon, accuracy) { success({ coords: { latitude: lat, longitude: lon, accuracy } }); },
    fail(code) { failure({ code }); },
  };
}

test("walking with steady accuracy follows the newest fix", () => {
  const g = fakeGeo();
  g.at(0); g.fix(42.9780, 126.7370, 10);
  g.at(5); g.fix(42.9781, 126.7370, 10);
  assert.equal(g.geo.best().lat, 42.9781);
  g.at(10); g.fix(42.9782, 126.7370, 12); // slightly worse, but the 10 m fix is 5 s old: 17.5 m
  assert.equal(g.geo.best().lat, 42.9782);
});

test("a poor new fix does not replace a precise one of a moment ago", () => {
  const g = fakeGeo();
  g.at(0); g.fix(42.9780, 126.7370, 8);
  g.at(3); g.fix(42.9900, 126.7500, 150);
  assert.equal(g.geo.best().accuracy, 8);
  g.at(200); // every fix is over a minute old: the newest is all there is
  assert.equal(g.geo.best().accuracy, 150);
});

test("a refused permission is reported, a transient error keeps the last fix", () => {
  const g = fakeGeo();
  g.at(0); g.fix(42.978, 126.737, 10);
  g.fail(2);
  assert.deepEqual(g.updates.at(-1).slice(1), ["ok"]);
  assert.equal(g.updates.at(-1)[0].lat, 42.978);
  g.fail(1);
  assert.equal(g.geo.status, "denied");
  assert.equal(judgeAccuracy(null).text, "正在定位…");
  assert.equal(judgeAccuracy(30).level, "warn");
});
