// Finding actions queued offline (a community's rectification taken on site, a reply …)
// against the fake server: photos first, then one POST under the action's Idempotency-Key;
// a lost answer is replayed, never applied twice; refusals wait for a person; transient
// failures keep the action pending and the actions behind it on the same finding waiting.
import "fake-indexeddb/auto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { openStore } from "../../pwa/js/db.js";
import { createApi, AuthError } from "../../pwa/js/api.js";
import { createDraft, outboxCount, queue, queueAction, requeueAction } from "../../pwa/js/outbox.js";
import { createSyncer } from "../../pwa/js/sync.js";
import { createFakeServer, fakeWebLocks, jpeg, photo, setup, sha256, TOKEN } from "./fake_server.mjs";

const REPLY = { measures: "安排保洁员当日清理，次日回填坑洼", responsible: "王建国", phone: "13904321234", planned_date: "2026-11-30" };

/** A rectification on site: two after-photos (整改后) and a note. */
async function rectification(store, findingId, n = 2) {
  const photos = Array.from({ length: n }, () => photo({ taken_at: "2026-11-29T15:02:10+08:00" }));
  const rec = await queueAction(store, { finding_id: findingId, action: "rectify", fields: { note: "坑洼已回填压实", photo_ids: photos.map((p) => p.id) } }, photos);
  return { rec, photos };
}

test("a rectification with two photos queued offline syncs once: photos first, then the POST under its key; a lost answer is replayed, not applied again", async () => {
  const { server, store, syncer } = await setup();
  const findingId = server.addFinding("assigned");
  const { rec, photos } = await rectification(store, findingId);
  assert.equal(rec.state, "pending");
  assert.equal(await outboxCount(store), 1);
  assert.equal((await store.counts()).photos_pending, 2);

  server.fail("network"); // still no signal in the compound
  assert.equal((await syncer.syncNow()).errorName, "NetworkError");
  assert.equal((await store.getRecord(rec.id)).state, "pending");
  assert.equal(server.actionPosts.length, 0);

  server.fail("cut", { on: "action" }); // the server applies it, then the connection drops
  const lost = await syncer.syncNow();
  assert.equal(lost.errorName, "NetworkError");
  assert.equal(lost.uploaded, 2);
  assert.equal(server.appliedCount(rec.id), 1, "applied on the server");
  assert.equal((await store.getRecord(rec.id)).state, "pending", "the phone does not know yet");
  assert.equal(syncer.state, "waiting");

  const summary = await syncer.syncNow();
  assert.deepEqual(summary, { pushed: 1, uploaded: 0, synced: 1, failed: 0 });
  const stored = await store.getRecord(rec.id);
  assert.equal(stored.state, "synced");
  assert.equal(stored.result.id, findingId);
  assert.equal(stored.result.status, "rectified", "the finding as the server answered it");
  assert.ok(stored.synced_at);

  assert.equal(server.appliedCount(rec.id), 1, "the replay changed nothing");
  assert.equal(server.findings.get(findingId).history.length, 1);
  assert.deepEqual(server.actionPosts.map((p) => [p.key, p.replayed]), [[rec.id, false], [rec.id, true]]);
  assert.deepEqual(server.actionPosts[0].body, { action: "rectify", note: "坑洼已回填压实", photo_ids: photos.map((p) => p.id) });
  assert.deepEqual(server.log, [`put:${photos[0].id}`, `put:${photos[1].id}`, `post:${rec.id}`, `post:${rec.id}`], "photos before the POST, each once");
  for (const p of photos) {
    assert.equal(server.photos.get(p.id).sha256, sha256(p.bytes));
    assert.equal((await store.getPhoto(p.id)).state, "uploaded");
  }
  assert.equal(await outboxCount(store), 0);
  assert.equal((await store.counts()).photos_pending, 0);
  store.close();
});

test("a 409 makes the action 未通过 with the server's message, and it is not sent again by itself", async () => {
  const { server, store, syncer } = await setup();
  const findingId = server.addFinding("closed"); // a supervisor closed it meanwhile
  const { rec } = await rectification(store, findingId, 1);

  const summary = await syncer.syncNow();
  assert.deepEqual(summary, { pushed: 0, uploaded: 1, synced: 0, failed: 1 });
  assert.equal(syncer.state, "idle", "a refusal is not a failed run");
  const stored = await store.getRecord(rec.id);
  assert.equal(stored.state, "rejected");
  assert.deepEqual(stored.errors, { action: "问题处于“已销号”状态，不能进行“整改完成”" });
  assert.deepEqual(stored.error, { status: 409, code: "not_allowed_in_state", message: "问题处于“已销号”状态，不能进行“整改完成”" });
  assert.equal(await outboxCount(store), 0);
  assert.equal((await store.counts()).rejected, 1);

  await syncer.syncNow();
  assert.equal(server.postCount(rec.id), 1);
  store.close();
});

test("a 422 keeps the server's fields; requeueAction sends the fixed action under a new key, once", async () => {
  const { server, store, syncer } = await setup();
  const findingId = server.addFinding("assigned");
  const rec = await queueAction(store, { finding_id: findingId, action: "reply", fields: { ...REPLY, planned_date: "2026-11-20" } });

  await syncer.syncNow();
  const refused = await store.getRecord(rec.id);
  assert.equal(refused.state, "rejected");
  assert.deepEqual(refused.errors, { planned_date: "计划完成日期不能早于今天" });
  assert.equal(refused.error.status, 422);

  const again = await requeueAction(store, rec.id, { ...refused.body.fields, planned_date: "2026-11-30" });
  assert.notEqual(again.id, rec.id, "new content, new Idempotency-Key");
  assert.equal(again.body.id, again.id);
  assert.deepEqual(again.replaces, [rec.id]);
  assert.equal(again.state, "pending");
  assert.equal(again.errors, null);
  assert.equal(await store.getRecord(rec.id), undefined, "the refused copy is replaced, not duplicated");
  assert.equal(await outboxCount(store), 1);
  assert.equal((await store.counts()).rejected, 0);

  const summary = await syncer.syncNow();
  assert.equal(summary.synced, 1);
  assert.equal((await store.getRecord(again.id)).state, "synced");
  assert.deepEqual(server.actionPosts.map((p) => p.key), [rec.id, again.id]);
  assert.equal(server.appliedCount(again.id), 1);
  assert.equal(server.actionPosts[1].body.planned_date, "2026-11-30");
  assert.equal(server.findings.get(findingId).status, "replied");
  store.close();
});

test("a refused rectification queued again keeps its photos: they move to the new key and are not uploaded twice", async () => {
  const { server, store, syncer } = await setup();
  const findingId = server.addFinding("assigned");
  server.refuseAction = (_f, body) => (body.note.includes("已回填") ? [422, { error: { code: "invalid_fields", message: "至少需要一张在整改通知下发后拍摄上传的照片", fields: { photo_ids: "至少需要一张在整改通知下发后拍摄上传的照片" } } }] : null);
  const { rec, photos } = await rectification(store, findingId);
  await syncer.syncNow();
  assert.deepEqual((await store.getRecord(rec.id)).errors, { photo_ids: "至少需要一张在整改通知下发后拍摄上传的照片" });

  const extra = photo();
  const again = await requeueAction(store, rec.id, { note: "重新拍摄整改后照片", photo_ids: [...photos.map((p) => p.id), extra.id] }, [extra]);
  assert.deepEqual((await store.photosOf(again.id, { bytes: false })).map((p) => p.id).sort(), [...photos, extra].map((p) => p.id).sort());
  assert.deepEqual(await store.photosOf(rec.id), []);
  assert.equal((await store.counts()).photos_pending, 1, "only the new photo is still to go");

  await syncer.syncNow();
  assert.equal((await store.getRecord(again.id)).state, "synced");
  for (const p of [...photos, extra]) assert.equal(server.putCount(p.id), 1);
  assert.equal(server.appliedCount(again.id), 1);
  assert.equal(server.appliedCount(rec.id), 0);
  store.close();
});

test("two actions on one finding go in order; the second waits while the first fails transiently", async () => {
  const { server, store, syncer } = await setup();
  const findingId = server.addFinding("assigned");
  const reply = await queueAction(store, { finding_id: findingId, action: "reply", fields: REPLY });
  await new Promise((r) => setTimeout(r, 5)); // taken later
  const { rec: rectify, photos } = await rectification(store, findingId, 1);

  server.fail("network", { on: "action" });
  const first = await syncer.syncNow();
  assert.equal(first.errorName, "NetworkError");
  assert.equal((await store.getRecord(reply.id)).state, "pending");
  assert.equal((await store.getRecord(rectify.id)).state, "pending");
  assert.equal(server.postCount(rectify.id), 0, "the rectification waits behind the reply");
  assert.equal(server.putCount(photos[0].id), 0, "its photos wait too");

  server.fail("500", { on: "action" });
  assert.equal((await syncer.syncNow()).error, "服务器内部错误");
  assert.equal(server.postCount(rectify.id), 0);

  const ok = await syncer.syncNow();
  assert.equal(ok.synced, 2);
  // what reached the server (the failed attempts did not)
  assert.deepEqual(server.log, [`post:${reply.id}`, `put:${photos[0].id}`, `post:${rectify.id}`]);
  assert.deepEqual(server.findings.get(findingId).history.map((e) => [e.action, e.from, e.to]), [["reply", "assigned", "replied"], ["rectify", "replied", "rectified"]]);
  assert.equal((await store.getRecord(rectify.id)).result.status, "rectified");
  store.close();
});

/** Wait until a condition holds (a fixed pause is too short on a loaded machine); fail after 5 s. */
async function until(condition, ms = 5000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("a 500 or a portal's HTML keeps the action pending and retries on the backoff", async () => {
  const timers = [];
  const { server, store, syncer } = await setup({ setTimer: (fn, ms) => (timers.push({ fn, ms }), timers.length), clearTimer: () => {} });
  const findingId = server.addFinding("assigned");
  const rec = await queueAction(store, { finding_id: findingId, action: "return", fields: { reason: "该路段属永兴社区管辖" } });

  server.fail("500", { on: "action" });
  await syncer.start();
  assert.equal(syncer.state, "waiting");
  assert.equal((await store.getRecord(rec.id)).state, "pending");
  assert.equal(timers.length, 1);

  server.fail("html", { on: "action" }); // a Wi-Fi login page answering 200
  await timers[0].fn();
  await until(() => timers.length === 2); // the retry has run and set the next timer
  assert.equal((await store.getRecord(rec.id)).state, "pending");
  assert.equal(syncer.lastError.name, "BadResponseError");
  assert.equal(timers.length, 2);
  assert.ok(timers[1].ms > timers[0].ms, "backing off");

  await timers[1].fn();
  await until(() => syncer.state === "idle");
  assert.equal(syncer.state, "idle");
  assert.equal((await store.getRecord(rec.id)).state, "synced");
  assert.equal(server.appliedCount(rec.id), 1);
  assert.equal(server.findings.get(findingId).status, "returned");
  syncer.stop();
  store.close();
});

test("401 on an action stops the sync and keeps it pending; after the next login it goes once", async () => {
  const { server, store, syncer, phone } = await setup();
  const findingId = server.addFinding("assigned");
  const { rec } = await rectification(store, findingId, 1);
  server.fail("401", { on: "action" });
  const summary = await syncer.syncNow();
  assert.ok(syncer.lastError instanceof AuthError);
  assert.equal(summary.errorName, "AuthError");
  assert.equal(syncer.state, "auth");
  assert.equal((await store.getRecord(rec.id)).state, "pending");
  phone.token = TOKEN;
  await syncer.syncNow();
  assert.equal((await store.getRecord(rec.id)).state, "synced");
  assert.equal(server.appliedCount(rec.id), 1);
  store.close();
});

test("a photo the server refuses makes the action 未通过 under photo_ids[i], without its POST", async () => {
  const { server, store, syncer } = await setup();
  const findingId = server.addFinding("assigned");
  const { rec, photos } = await rectification(store, findingId, 2);
  server.fail("415", { on: "photo" });
  const summary = await syncer.syncNow();
  assert.equal(summary.failed, 1);
  const stored = await store.getRecord(rec.id);
  assert.equal(stored.state, "rejected");
  assert.deepEqual(stored.errors, { "photo_ids[0]": "不支持的图片格式，请使用 JPEG、PNG 或 WebP" });
  assert.equal(server.postCount(rec.id), 0);
  assert.equal(server.putCount(photos[1].id), 1, "the other photo goes, as for an inspection");

  const again = await requeueAction(store, rec.id, stored.body.fields, [{ ...photos[0], bytes: jpeg(4100, 5) }]);
  await syncer.syncNow();
  assert.equal((await store.getRecord(again.id)).state, "synced");
  assert.equal(server.photos.get(photos[0].id).sha256, sha256(jpeg(4100, 5)));
  assert.equal(server.putCount(photos[1].id), 1, "not uploaded twice");
  assert.equal(server.appliedCount(again.id), 1);
  store.close();
});

test("inspections and verifications are pushed first, then the actions", async () => {
  const { server, store, syncer } = await setup();
  const findingId = server.addFinding("rectified");
  const rec = await queueAction(store, { finding_id: findingId, action: "verify", fields: { note: "已复查，整改到位" } });
  const p = photo();
  const verification = await createDraft(store, {
    kind: "verification", finding_id: randomUUID(), verdict: "pass", at: "2026-12-02T14:21:00+08:00",
    lat: 42.97118, lon: 126.74311, note: "坑洼已填平", photo_ids: [p.id],
  }, [p]);
  await queue(store, verification.id);
  const summary = await syncer.syncNow();
  assert.deepEqual(summary, { pushed: 2, uploaded: 1, synced: 2, failed: 0 });
  assert.deepEqual(server.log, ["push", `put:${p.id}`, `post:${rec.id}`]);
  assert.deepEqual(server.pushes, [[verification.id]], "the action is not in the push");
  assert.equal(server.findings.get(findingId).status, "closed");
  store.close();
});

test("two tabs syncing at once apply each action once", async () => {
  const name = `tabs-${randomUUID()}`;
  const server = createFakeServer();
  const locks = fakeWebLocks();
  const stores = [await openStore(name), await openStore(name)];
  const made = [];
  for (let i = 0; i < 4; i += 1) {
    const findingId = server.addFinding("assigned");
    made.push((await rectification(stores[i % 2], findingId, 1)).rec);
  }
  const tab = (store) => createSyncer({ store, api: createApi({ getToken: () => TOKEN, fetch: server.fetch }), deviceId: "phone-wangjianguo-01", locks });
  const [a, b] = stores.map(tab);
  const runs = await Promise.all([a.start(), b.start()]);
  assert.equal(runs.filter((r) => r.skipped).length, 1, "one tab ran, the other skipped");
  await Promise.all([a.syncNow(), b.syncNow(), a.syncNow(), b.syncNow()]);
  a.stop();
  b.stop();
  for (const rec of made) {
    assert.equal(server.postCount(rec.id), 1);
    assert.equal(server.appliedCount(rec.id), 1);
    assert.equal((await stores[1].getRecord(rec.id)).state, "synced");
    assert.equal((await stores[0].getRecord(rec.id)).state, "synced");
  }
  stores.forEach((s) => s.close());
});

test("two tabs without a shared lock, answer lost in between: the key still makes it once", async () => {
  // Worst case: no Web Locks across tabs (each page only has its own lock), the first POST's
  // answer is lost, and the other tab replays it. The stored answer settles both.
  const name = `nolock-${randomUUID()}`;
  const server = createFakeServer();
  const stores = [await openStore(name), await openStore(name)];
  const findingId = server.addFinding("assigned");
  const { rec } = await rectification(stores[0], findingId, 1);
  const mk = (store) => createSyncer({ store, api: createApi({ getToken: () => TOKEN, fetch: server.fetch }), deviceId: "phone-wangjianguo-01", locks: { request: async (_n, _o, cb) => cb({}) } });
  server.fail("cut", { on: "action" });
  assert.equal((await mk(stores[0]).syncNow()).errorName, "NetworkError");
  await mk(stores[1]).syncNow();
  assert.equal((await stores[0].getRecord(rec.id)).state, "synced");
  assert.equal(server.appliedCount(rec.id), 1);
  assert.equal(server.postCount(rec.id), 2);
  stores.forEach((s) => s.close());
});
