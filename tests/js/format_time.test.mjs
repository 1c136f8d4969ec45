// Times on screen are Beijing time even when the browser's zone is another.
import { test } from "node:test";
import assert from "node:assert/strict";

import { formatTime } from "../../pwa/js/ui.js";

test("a browser set to New York or London still shows Beijing time", () => {
  const saved = process.env.TZ;
  try {
    for (const zone of ["America/New_York", "Europe/London", "Asia/Shanghai", "UTC"]) {
      process.env.TZ = zone;
      assert.equal(formatTime("2026-11-27T02:00:05Z"), "2026-11-27 10:00:05", zone);
      assert.equal(formatTime("2026-12-31T16:30:00+00:00"), "2027-01-01 00:30:00", zone);
      assert.equal(formatTime(new Date("2026-11-27T09:31:00+08:00")), "2026-11-27 09:31:00", zone);
    }
  } finally {
    if (saved === undefined) delete process.env.TZ; else process.env.TZ = saved;
  }
});
