// The sync engine with inspections and verifications, against the fake server of
// fake_server.mjs (finding actions: actions_sync.test.mjs).
import "fake-indexeddb/auto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { openStore } from "../../pwa/js/db.js";
import { createApi, AuthError, BadResponseError, HttpError, NetworkError } from "../../pwa/js/api.js";
import { createDraft, outboxCount, queue, updateDraft } from "../../pwa/js/outbox.js";
import { Backoff } from "../../pwa/js/backoff.js";
import { createSyncer } from "../../pwa/js/sync.js";
import { createFakeServer, fakeWebLocks, jpeg, json, photo, setup, sha256, TOKEN } from "./fake_server.mjs";

const CHECKLISTS = {
  street: [
    { code: "street.road_surface", text: "路面硬化平整、无坑洼积水、排水通畅", category: "基础设施", limit_days: 5, photo_required: true },
    { code: "street.flyers_graffiti", text: "无乱贴乱画、小广告", category: "公共环境", limit_days: 3, photo_required: true },
    { code: "street.uncivil_behaviour", text: "无随地吐痰、乱扔杂物、不文明养宠等行为", category: "公共秩序", limit_days: 3, photo_required: false },
  ],
};

// ---------------------------------------------------------------- records

/** A back street in 永胜社区: potholes and flyers fail, each with photos, behaviour passes. */
function inspection(photos, extra = {}) {
  const [a, b, c] = photos.map((p) => p.id);
  return {
    kind: "inspection", point_id: 12, location_type: "street", started_at: "2026-11-27T09:30:00+08:00",
    lat: 42.97121, lon: 126.74305, accuracy_m: 7.5, covert: false, note: "",
    results: [
      { item_code: "street.road_surface", result: "fail", note: "路面有坑洼积水", photo_ids: [a, b].filter(Boolean) },
      { item_code: "street.flyers_graffiti", result: c ? "fail" : "pass", note: c ? "电线杆上有小广告" : "", photo_ids: c ? [c] : [] },
      { item_code: "street.uncivil_behaviour", result: "pass", note: "", photo_ids: [] },
    ],
    ...extra,
  };
}

async function queued(store, nPhotos = 1, extra = {}) {
  const photos = Array.from({ length: nPhotos }, () => photo());
  const rec = await createDraft(store, inspection(photos, extra), photos);
  await queue(store, rec.id, { checklists: CHECKLISTS });
  return { rec, photos };
}

async function statesOf(store, recs) {
  return Promise.all(recs.map(async (r) => (await store.getRecord(r.id)).state));
}

// ---------------------------------------------------------------- scenarios

test("queue → sync → synced: one copy on the server and the photos with the right SHA-256", async () => {
  const { server, store, syncer, changes } = await setup();
  const { rec, photos } = await queued(store, 3);
  assert.equal(await outboxCount(store), 1);

  const summary = await syncer.syncNow();
  assert.deepEqual(summary, { pushed: 1, uploaded: 3, synced: 1, failed: 0 });
  const stored = await store.getRecord(rec.id);
  assert.equal(stored.state, "synced");
  assert.equal(stored.server_status, "created");
  assert.equal(server.created.get(rec.id), 1);
  assert.deepEqual(JSON.parse(server.records.get(rec.id).canon), rec.body, "the body as saved is what was sent");
  for (const p of photos) {
    assert.equal(server.putCount(p.id), 1);
    assert.equal(server.photos.get(p.id).sha256, sha256(p.bytes));
    const h = server.photos.get(p.id).headers;
    assert.deepEqual([h["Content-Type"], h["X-Taken-At"], h["X-Lat"], h["X-Lon"], h["X-Accuracy"]], ["image/jpeg", "2026-11-27T09:31:12+08:00", "42.97121", "126.74305", "7.5"]);
    const local = await store.getPhoto(p.id);
    assert.equal(local.state, "uploaded");
    assert.equal(local.sha256, sha256(p.bytes));
    assert.ok(local.bytes, "the bytes stay on the phone");
  }
  assert.equal(await outboxCount(store), 0);
  assert.equal((await store.counts()).photos_pending, 0);
  assert.equal(syncer.state, "idle");
  assert.ok(changes.some((c) => c.state === "syncing") && changes.at(-1).state === "idle");
  assert.ok(await store.getMeta("last_sync_at"));

  assert.deepEqual(await syncer.syncNow(), { pushed: 0, uploaded: 0, synced: 0, failed: 0 });
  assert.equal(server.pushes.length, 1, "nothing left to send");
  store.close();
});

test("while its photos are missing an accepted record stays pending, and shows 同步中 during the upload", async () => {
  const { server, store, syncer } = await setup();
  const { rec, photos } = await queued(store, 2);
  const seen = [];
  const put = server.putPhoto;
  server.putPhoto = (id, init) => {
    seen.push(id);
    return put(id, init);
  };
  let during;
  const fetch = server.fetch;
  server.fetch = async (url, init) => {
    if (url.includes("/photos/")) during = (await store.getRecord(rec.id)).state;
    return fetch(url, init);
  };
  await syncer.syncNow();
  assert.equal(during, "syncing");
  assert.deepEqual(seen, photos.map((p) => p.id), "photos go in the record's order");
  store.close();
});

test("a connection cut during a photo upload leaves the record pending; the next sync uploads the photo once", async () => {
  const { server, store, syncer } = await setup();
  const { rec, photos } = await queued(store, 2);
  server.fail("network", { on: "photo" });

  const first = await syncer.syncNow();
  assert.equal(first.errorName, "NetworkError");
  assert.ok(syncer.lastError instanceof NetworkError);
  assert.equal(first.pushed, 1);
  assert.equal(server.created.get(rec.id), 1, "the record reached the server");
  assert.equal((await store.getRecord(rec.id)).state, "pending");
  assert.equal(await outboxCount(store), 1);
  assert.equal(syncer.state, "waiting");
  assert.equal(server.photos.size, 0);

  const second = await syncer.syncNow();
  assert.equal(second.error, undefined);
  assert.equal((await store.getRecord(rec.id)).state, "synced");
  assert.equal(server.created.get(rec.id), 1, "the repeat push was a duplicate");
  for (const p of photos) assert.equal(server.putCount(p.id), 1);
  assert.equal(await outboxCount(store), 0);
  store.close();
});

test("a photo stored but whose answer was lost is not sent again", async () => {
  const { server, store, syncer } = await setup();
  const { rec, photos } = await queued(store, 1);
  server.fail("cut", { on: "photo" });
  assert.equal((await syncer.syncNow()).errorName, "NetworkError");
  assert.equal(server.photos.size, 1, "the server kept it");
  assert.equal((await store.getPhoto(photos[0].id)).state, "pending");

  await syncer.syncNow();
  assert.equal(server.putCount(photos[0].id), 1, "missing_photos no longer lists it");
  assert.equal((await store.getRecord(rec.id)).state, "synced");
  assert.equal((await store.getPhoto(photos[0].id)).state, "uploaded");
  store.close();
});

test("500, then a portal's HTML with 200, then a hang: everything stays pending; recovery syncs exactly once", async () => {
  const { server, store, syncer } = await setup({ timeouts: { push: 40, photo: 40 } });
  const a = await queued(store, 1);
  const b = await queued(store, 2);
  const recs = [a.rec, b.rec];

  server.fail("500", { on: "push" });
  const r1 = await syncer.syncNow();
  assert.equal(r1.error, "服务器内部错误");
  assert.ok(syncer.lastError instanceof HttpError && syncer.lastError.status === 500);
  assert.deepEqual(await statesOf(store, recs), ["pending", "pending"]);

  server.fail("html", { on: "push" });
  const r2 = await syncer.syncNow();
  assert.equal(r2.errorName, "BadResponseError");
  assert.match(r2.error, /Wi-Fi/);
  assert.deepEqual(await statesOf(store, recs), ["pending", "pending"]);

  server.fail("hang", { on: "push" });
  const r3 = await syncer.syncNow();
  assert.equal(r3.errorName, "NetworkError");
  assert.ok(syncer.lastError.timeout);
  assert.deepEqual(await statesOf(store, recs), ["pending", "pending"]);
  assert.equal(await outboxCount(store), 2);
  assert.equal(server.records.size, 0);

  const ok = await syncer.syncNow();
  assert.deepEqual(ok, { pushed: 2, uploaded: 3, synced: 2, failed: 0 });
  assert.deepEqual(await statesOf(store, recs), ["synced", "synced"]);
  for (const r of recs) {
    assert.equal(server.created.get(r.id), 1);
    assert.equal(server.pushCount(r.id), 1);
  }
  for (const p of [...a.photos, ...b.photos]) assert.equal(server.putCount(p.id), 1);
  store.close();
});

test("a push applied by the server whose answer was lost counts as synced on the repeat (duplicate)", async () => {
  const { server, store, syncer } = await setup();
  const { rec } = await queued(store, 1);
  server.fail("cut", { on: "push" });
  assert.equal((await syncer.syncNow()).errorName, "NetworkError");
  assert.equal((await store.getRecord(rec.id)).state, "pending");
  const summary = await syncer.syncNow();
  assert.equal(summary.synced, 1);
  assert.equal(server.created.get(rec.id), 1);
  assert.equal((await store.getRecord(rec.id)).server_status, "duplicate");
  store.close();
});

test("two tabs syncing the same database at once send each record and each photo once (Web Locks)", async () => {
  const name = `tabs-${randomUUID()}`;
  const server = createFakeServer();
  const locks = fakeWebLocks();
  const storeA = await openStore(name);
  const storeB = await openStore(name);
  const made = [];
  for (let i = 0; i < 4; i += 1) made.push(await queued(i % 2 ? storeA : storeB, 2));
  const tab = (store) => createSyncer({ store, api: createApi({ getToken: () => TOKEN, fetch: server.fetch }), deviceId: "phone-zhangwei-01", locks });
  const a = tab(storeA);
  const b = tab(storeB);

  const [ra, rb] = await Promise.all([a.start(), b.start()]);
  assert.equal([ra, rb].filter((r) => r.skipped).length, 1, "one tab ran, the other skipped");
  assert.ok(locks.calls.every((c) => c.name === "chuangcheng-sync" && c.options.ifAvailable === true));
  await Promise.all([a.syncNow(), b.syncNow(), a.syncNow(), b.syncNow()]);
  a.stop();
  b.stop();

  for (const { rec, photos } of made) {
    assert.equal(server.pushCount(rec.id), 1, "each record pushed once");
    assert.equal((await storeB.getRecord(rec.id)).state, "synced");
    for (const p of photos) assert.equal(server.putCount(p.id), 1, "each photo once");
  }
  storeA.close();
  storeB.close();
});

test("without Web Locks two syncers in one page still never run at once", async () => {
  const name = `page-${randomUUID()}`;
  const server = createFakeServer();
  const stores = [await openStore(name), await openStore(name)];
  const made = [await queued(stores[0], 1), await queued(stores[1], 1)];
  const syncers = stores.map((store) => createSyncer({ store, api: createApi({ getToken: () => TOKEN, fetch: server.fetch }), locks: null }));
  const results = await Promise.all([syncers[0].syncNow(), syncers[1].syncNow(), syncers[0].syncNow()]);
  assert.equal(results.filter((r) => r.skipped).length, 2);
  for (const { rec, photos } of made) {
    assert.equal(server.pushCount(rec.id), 1);
    assert.equal(server.putCount(photos[0].id), 1);
  }
  assert.match(await stores[0].getMeta("device_id"), /^[0-9a-f-]{36}$/, "a device id was made and kept");
  stores.forEach((s) => s.close());
});

test("a rejected record keeps the server's errors; edited and queued again it goes pending, then synced", async () => {
  const { server, store, syncer } = await setup();
  server.rejectIf = (rec) => (rec.started_at.startsWith("2027") ? { started_at: "时间不能晚于当前时间 10 分钟以上" } : null);
  const { rec, photos } = await queued(store, 1, { started_at: "2027-11-27T09:30:00+08:00" }); // a phone clock a year ahead

  const first = await syncer.syncNow();
  assert.deepEqual(first, { pushed: 0, uploaded: 0, synced: 0, failed: 1 });
  let stored = await store.getRecord(rec.id);
  assert.equal(stored.state, "rejected");
  assert.deepEqual(stored.errors, { started_at: "时间不能晚于当前时间 10 分钟以上" });
  assert.equal(server.puts.length, 0, "no photos for a record the server did not take");
  assert.equal(await outboxCount(store), 0);
  assert.equal((await store.counts()).rejected, 1);

  await syncer.syncNow();
  assert.equal(server.pushCount(rec.id), 1, "a rejected record is not sent again by itself");

  stored = await updateDraft(store, rec.id, { ...stored.body, started_at: "2026-11-27T09:30:00+08:00" });
  assert.equal(stored.state, "rejected");
  assert.deepEqual(stored.errors, { started_at: "时间不能晚于当前时间 10 分钟以上" }, "the reason stays visible while editing");
  stored = await queue(store, rec.id, { checklists: CHECKLISTS });
  assert.equal(stored.state, "pending");
  assert.equal(stored.errors, null);

  const second = await syncer.syncNow();
  assert.equal(second.synced, 1);
  assert.equal((await store.getRecord(rec.id)).state, "synced");
  assert.equal(server.created.get(rec.id), 1);
  assert.equal(server.putCount(photos[0].id), 1);
  store.close();
});

test("a photo the server refuses is marked with its message and not retried; a retake syncs the record", async () => {
  const { server, store, syncer } = await setup();
  const { rec, photos } = await queued(store, 2);
  const [bad, good] = photos;
  server.fail("415", { on: "photo" });

  const first = await syncer.syncNow();
  assert.equal(first.error, undefined, "a refusal is not a failed run");
  assert.deepEqual([first.uploaded, first.failed], [1, 1]);
  const refused = await store.getPhoto(bad.id);
  assert.equal(refused.state, "rejected");
  assert.equal(refused.error, "不支持的图片格式，请使用 JPEG、PNG 或 WebP");
  let stored = await store.getRecord(rec.id);
  assert.equal(stored.state, "rejected");
  assert.deepEqual(stored.errors, { "results[0].photo_ids[0]": "不支持的图片格式，请使用 JPEG、PNG 或 WebP" });
  assert.equal((await store.getPhoto(good.id)).state, "uploaded");
  assert.equal(syncer.state, "idle");

  await syncer.syncNow();
  assert.equal(server.puts.length, 2, "not retried by itself");

  stored = await updateDraft(store, rec.id, stored.body, [{ ...bad, bytes: jpeg(5000, 77) }]);
  await queue(store, rec.id, { checklists: CHECKLISTS });
  const third = await syncer.syncNow();
  assert.equal(third.synced, 1);
  assert.equal((await store.getRecord(rec.id)).state, "synced");
  assert.equal(server.photos.get(bad.id).sha256, sha256(jpeg(5000, 77)));
  assert.equal(server.created.get(rec.id), 1);
  store.close();
});

test("a photo id already holding other bytes on the server makes a conflict", async () => {
  const { server, store, syncer } = await setup();
  const { rec, photos } = await queued(store, 1);
  server.photos.set(photos[0].id, { sha256: "f".repeat(64), headers: {} });
  const fetch = server.fetch;
  server.fetch = (url, init) => {
    if (url.includes("/sync/push")) {
      // the server reports it missing (another upload is racing in), then the PUT meets other bytes
      return fetch(url, init).then(async (r) => {
        const body = await r.json();
        return json(200, { ...body, missing_photos: [photos[0].id] });
      });
    }
    return fetch(url, init);
  };
  const summary = await syncer.syncNow();
  assert.equal(summary.failed, 1);
  assert.equal((await store.getPhoto(photos[0].id)).state, "conflict");
  const stored = await store.getRecord(rec.id);
  assert.equal(stored.state, "conflict");
  assert.equal(stored.errors["results[0].photo_ids[0]"], "该照片编号已存在不同内容的照片");
  assert.equal((await store.counts()).conflict, 1);
  store.close();
});

test("401 stops the sync, says 登录已过期，请重新登录, keeps everything, and a new login resumes", async () => {
  const timers = [];
  const { server, store, syncer, phone } = await setup({ setTimer: (fn, ms) => timers.push({ fn, ms }), clearTimer: () => {} });
  const { rec, photos } = await queued(store, 1);
  const draft = await createDraft(store, inspection([]));
  server.token = "token-after-next-login"; // the phone's token expired

  const summary = await syncer.start();
  assert.equal(summary.errorName, "AuthError");
  assert.equal(summary.error, "登录已过期，请重新登录");
  assert.ok(syncer.lastError instanceof AuthError);
  assert.equal(syncer.state, "auth");
  assert.equal(timers.length, 0, "no retry until the inspector logs in again");
  assert.equal((await store.getRecord(rec.id)).state, "pending");
  assert.equal((await store.getRecord(draft.id)).state, "draft");
  assert.ok((await store.getPhoto(photos[0].id)).bytes);
  assert.equal(await outboxCount(store), 1);

  phone.token = "token-after-next-login"; // logged in again: the UI calls syncNow()
  await syncer.syncNow();
  assert.equal(syncer.state, "idle");
  assert.equal((await store.getRecord(rec.id)).state, "synced");
  syncer.stop();
  store.close();
});

test("401 during the photo uploads keeps the accepted record pending with its photo", async () => {
  const { server, store, syncer } = await setup();
  const { rec, photos } = await queued(store, 1);
  server.fail("401", { on: "photo" });
  assert.equal((await syncer.syncNow()).errorName, "AuthError");
  assert.equal((await store.getRecord(rec.id)).state, "pending");
  assert.equal((await store.getPhoto(photos[0].id)).state, "pending");
  await syncer.syncNow();
  assert.equal((await store.getRecord(rec.id)).state, "synced");
  store.close();
});

test("start() retries on the backoff after failures, resets after success, and syncs when back online", async () => {
  const timers = [];
  const win = new EventTarget();
  const doc = Object.assign(new EventTarget(), { visibilityState: "visible" });
  const { server, store, syncer } = await setup({
    backoff: new Backoff({ random: () => 0.5 }),
    setTimer: (fn, ms) => (timers.push({ fn, ms }), timers.length),
    clearTimer: (id) => timers[id - 1] && (timers[id - 1].cleared = true),
    now: () => Date.parse("2026-11-27T10:00:00+08:00"),
    win,
    doc,
  });
  const { rec } = await queued(store, 1);
  server.fail("network", { times: 3 });

  await syncer.start();
  assert.equal(syncer.state, "waiting");
  assert.equal(syncer.nextRetryAt, Date.parse("2026-11-27T10:00:01+08:00"));
  for (const expected of [1000, 2000, 4000]) {
    const t = timers.at(-1);
    assert.equal(t.ms, expected);
    await t.fn();
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(syncer.state, "idle");
  assert.equal((await store.getRecord(rec.id)).state, "synced");
  assert.equal(timers.length, 3, "no retry after a success");

  const next = await queued(store, 1);
  server.fail("network");
  await syncer.syncNow();
  assert.equal(timers.at(-1).ms, 1000, "the backoff was reset by the success");
  win.dispatchEvent(new Event("online"));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await store.getRecord(next.rec.id)).state, "synced");
  assert.equal(timers.at(-1).cleared, true, "the pending retry was cancelled");

  const third = await queued(store, 1);
  doc.dispatchEvent(new Event("visibilitychange"));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await store.getRecord(third.rec.id)).state, "synced");

  syncer.stop();
  const fourth = await queued(store, 1);
  win.dispatchEvent(new Event("online"));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await store.getRecord(fourth.rec.id)).state, "pending", "stopped: no more automatic syncs");
  store.close();
});

test("records go 100 to a push, oldest first, and a run picks up records queued meanwhile", async () => {
  const { server, store, syncer } = await setup();
  const ids = [];
  for (let i = 0; i < 120; i += 1) {
    const rec = await createDraft(store, inspection([]), []);
    // make each distinct in time so the order is defined
    await store.putRecord({ ...(await store.getRecord(rec.id)), created_at: new Date(Date.UTC(2026, 10, 27, 1, 0, i)).toISOString() });
    await updateDraft(store, rec.id, { ...rec.body, results: rec.body.results.map((r) => ({ ...r, result: "pass", note: "" })) });
    await queue(store, rec.id, { checklists: CHECKLISTS });
    ids.push(rec.id);
  }
  let late;
  const fetch = server.fetch;
  server.fetch = async (url, init) => {
    const answer = await fetch(url, init);
    // the inspector queues one more while the last batch is out
    if (!late && url.endsWith("/sync/push") && JSON.parse(init.body).records.length === 20) late = await queued(store, 1);
    return answer;
  };
  const summary = await syncer.syncNow();
  assert.deepEqual(server.pushes.map((p) => p.length), [100, 20, 1]);
  assert.deepEqual(server.pushes.flat().slice(0, 120), ids);
  assert.equal(summary.synced, 121);
  assert.equal((await store.getRecord(late.rec.id)).state, "synced");
  store.close();
});

test("a run interrupted mid-push (tab closed) leaves nothing stuck in 同步中", async () => {
  const { server, store, syncer } = await setup();
  const { rec } = await queued(store, 1);
  await store.putRecord({ ...(await store.getRecord(rec.id)), state: "syncing" }); // as a dead tab left it
  assert.equal(await outboxCount(store), 1);
  await syncer.syncNow();
  assert.equal((await store.getRecord(rec.id)).state, "synced");
  assert.equal(server.created.get(rec.id), 1);
  store.close();
});

test("a verification on site with its photo syncs like an inspection", async () => {
  const { server, store, syncer } = await setup();
  const p = photo({ taken_at: "2026-12-02T14:20:05+08:00" });
  const rec = await createDraft(store, {
    kind: "verification", finding_id: randomUUID(), verdict: "pass", at: "2026-12-02T14:21:00+08:00",
    lat: 42.97118, lon: 126.74311, note: "坑洼已填平，路面平整", photo_ids: [p.id],
  }, [p]);
  await queue(store, rec.id);
  assert.equal((await syncer.syncNow()).synced, 1);
  assert.equal(server.photos.get(p.id).sha256, sha256(p.bytes));
  assert.equal((await store.getRecord(rec.id)).state, "synced");
  store.close();
});

test("a lock manager that fails falls back to the in-page lock", async () => {
  const broken = { request: async () => { throw new DOMException("locks unavailable", "SecurityError"); } };
  const { server, store, syncer } = await setup({ locks: broken });
  const { rec } = await queued(store, 1);
  const [first, second] = await Promise.all([syncer.syncNow(), syncer.syncNow()]);
  assert.equal(first.synced, 1);
  assert.deepEqual(second, { skipped: true });
  assert.equal(server.pushCount(rec.id), 1);
  store.close();
});
