// Reading the original photo's EXIF (exifr's mini build, by tag number) and the warnings the
// inspector sees before an old, far or timeless photo is used.
import { test } from "node:test";
import assert from "node:assert/strict";
import { exifTime, originalFrom, photoWarnings, readOriginal } from "../../pwa/js/exif.js";

process.env.TZ = "Asia/Shanghai";

test("an EXIF time without offset is the phone's local time; with one, that offset", () => {
  assert.equal(exifTime("2008:05:01 14:15:55").getTime(), Date.parse("2008-05-01T14:15:55+08:00"));
  assert.equal(exifTime("2008:05:01 14:15:55", "+02:00").toISOString(), "2008-05-01T12:15:55.000Z");
  assert.equal(exifTime("2026-11-27T09:31:00", "-05:00").toISOString(), "2026-11-27T14:31:00.000Z");
});

test("absurd but real years are kept; placeholders and impossible dates are none", () => {
  assert.equal(exifTime("1900:05:01 14:15:55").getFullYear(), 1900);
  assert.equal(exifTime("9999:05:01 14:15:55").getFullYear(), 9999);
  for (const bad of ["0000:00:00 00:00:00", "2026:02:31 10:00:00", "2026:13:01 10:00:00", "0999:01:01 00:00:00",
    "", null, undefined, 42, "yesterday"]) {
    assert.equal(exifTime(bad), null, String(bad));
  }
});

test("the tags come by number; DateTimeDigitized stands in; GPS 0,0 is no fix", () => {
  const o = originalFrom({ 36867: "2008:05:01 14:15:55", latitude: 43.77, longitude: 11.25 });
  assert.deepEqual([o.checked, o.taken.getFullYear(), o.lat, o.lon], [true, 2008, 43.77, 11.25]);
  assert.equal(originalFrom({ 36868: "2026:11:27 09:59:00" }).taken.getHours(), 9);
  assert.deepEqual(originalFrom({ latitude: 0, longitude: 0 }), { checked: true, taken: null, lat: null, lon: null });
  assert.deepEqual(originalFrom({ latitude: 95, longitude: 200 }).lat, 95);
  assert.deepEqual(originalFrom(undefined), { checked: true, taken: null, lat: null, lon: null });
});

test("a file that is no image at all reads as an original without EXIF, not an error", async () => {
  const o = await readOriginal(new Blob([new TextEncoder().encode("not a photo")]));
  assert.deepEqual(o, { checked: true, taken: null, lat: null, lon: null });
});

const RECORD = { startedAt: "2026-11-27T10:00:00+08:00", now: Date.parse("2026-11-27T10:05:00+08:00"),
  place: { lat: 42.9783, lon: 126.7379 }, freshMin: 30, farM: 300 };
const photo = (fields) => ({ original_checked: true, original_taken_at: null, original_lat: null, original_lon: null, ...fields });

test("a capture taken now at the place raises nothing", () => {
  assert.deepEqual(photoWarnings(photo({ original_taken_at: "2026-11-27T10:04:00+08:00",
    original_lat: 42.9785, original_lon: 126.7380 }), RECORD), []);
  assert.deepEqual(photoWarnings({ taken_at: "2026-11-27T10:04:00+08:00" }, RECORD), []); // photos saved before
});

test("old, timeless, future-dated, far and impossible photos are each named", () => {
  assert.match(photoWarnings(photo({ original_taken_at: "2008-05-01T14:15:55+08:00" }), RECORD)[0],
    /2008-05-01 14:15:55，早于本次检查开始 30 分钟以上/);
  assert.match(photoWarnings(photo({}), RECORD)[0], /没有拍摄时间/);
  assert.match(photoWarnings(photo({ original_taken_at: "9999-05-01T14:15:55+08:00" }), RECORD)[0], /不可信/);
  const far = photoWarnings(photo({ original_taken_at: "2026-11-27T09:58:00+08:00", original_lat: 43.77, original_lon: 11.25 }), RECORD);
  assert.equal(far.length, 1);
  assert.match(far[0], /距此处约 \d+(\.\d)? 公里/);
  assert.match(photoWarnings(photo({ original_taken_at: "2026-11-27T09:58:00+08:00", original_lat: 95, original_lon: 200 }), RECORD)[0], /定位信息无效/);
  assert.equal(photoWarnings(photo({ original_taken_at: "2026-11-27T09:35:00+08:00" }), RECORD).length, 0); // 25 min: fine
});
