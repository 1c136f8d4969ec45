// The phone's storage and the outbox's states, without any network.
import "fake-indexeddb/auto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { openStore, StateError } from "../../pwa/js/db.js";
import {
  applyPushResults, createDraft, outboxCount, pendingBatch, photosToUpload, queue, QueueError,
  updateDraft, markSyncing,
} from "../../pwa/js/outbox.js";

// The catalogue as GET /api/v1/checklists answers it (two street items).
const CHECKLISTS = {
  street: [
    { code: "street.road_surface", text: "路面硬化平整、无坑洼积水、排水通畅", category: "基础设施", limit_days: 5, photo_required: true },
    { code: "street.uncivil_behaviour", text: "无随地吐痰、乱扔杂物、不文明养宠等行为", category: "公共秩序", limit_days: 3, photo_required: false },
  ],
};

const dbName = () => `test-${randomUUID()}`;

function jpeg(size = 2048, seed = 1) {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i += 1) b[i] = (i * 31 + seed * 17) & 0xff;
  b.set([0xff, 0xd8, 0xff, 0xe0], 0);
  b.set([0xff, 0xd9], size - 2);
  return b.buffer;
}

function photo(seed = 1) {
  return {
    id: randomUUID(), type: "image/jpeg", bytes: jpeg(2048, seed), taken_at: "2026-11-27T09:31:12+08:00",
    lat: 42.9712, lon: 126.7431, accuracy: 8, source: "camera",
  };
}

/** An inspection of a back street in 永胜社区 with one failed item and its photos. */
function inspection(photoIds = [], extra = {}) {
  return {
    kind: "inspection", point_id: 12, location_type: "street", started_at: "2026-11-27T09:30:00+08:00",
    lat: 42.9712, lon: 126.7431, accuracy_m: 8, covert: false, note: "",
    results: [
      { item_code: "street.road_surface", result: "fail", note: "路面有坑洼积水", photo_ids: photoIds },
      { item_code: "street.uncivil_behaviour", result: "pass", note: "", photo_ids: [] },
    ],
    ...extra,
  };
}

/** Everything in order at a public toilet: nothing to photograph. */
function allPass() {
  return {
    kind: "inspection", point_id: 31, location_type: "toilet", started_at: "2026-11-27T10:02:00+08:00",
    lat: 42.9688, lon: 126.7502, accuracy_m: 6, covert: false, note: "",
    results: [{ item_code: "toilet.cleaning", result: "pass", note: "", photo_ids: [] }],
  };
}

async function draftWithPhoto(store) {
  const p = photo();
  const rec = await createDraft(store, inspection([p.id]), [p]);
  return { rec, p };
}

test("a draft and its photo survive closing and reopening the store", async () => {
  const name = dbName();
  let store = await openStore(name);
  const { rec, p } = await draftWithPhoto(store);
  store.close();

  store = await openStore(name);
  const again = await store.getRecord(rec.id);
  assert.equal(again.state, "draft");
  assert.deepEqual(again.body, rec.body);
  const [saved] = await store.photosOf(rec.id);
  assert.equal(saved.id, p.id);
  assert.equal(saved.type, "image/jpeg");
  assert.equal(saved.state, "pending");
  assert.ok(saved.bytes instanceof ArrayBuffer);
  assert.deepEqual(new Uint8Array(saved.bytes), new Uint8Array(p.bytes));
  store.close();
});

test("createDraft gives the record and its results client UUIDs", async () => {
  const store = await openStore(dbName());
  const rec = await createDraft(store, inspection());
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.match(rec.id, uuid);
  assert.equal(rec.body.id, rec.id);
  for (const r of rec.body.results) assert.match(r.id, uuid);
  await assert.rejects(createDraft(store, { kind: "note" }), TypeError);
  store.close();
});

test("photos must be ArrayBuffers with a MIME type, and a bad photo saves nothing of its record", async () => {
  const store = await openStore(dbName());
  const bad = { ...photo(), bytes: new Uint8Array(8) };
  await assert.rejects(createDraft(store, inspection([bad.id]), [bad]), TypeError);
  assert.equal((await store.listRecords()).length, 0);
  const untyped = { ...photo(), type: "" };
  await assert.rejects(store.putPhoto({ ...untyped, record_id: randomUUID(), state: "pending" }), TypeError);
  store.close();
});

test("deleteRecord removes a draft with its photos and refuses anything queued or sent", async () => {
  const store = await openStore(dbName());
  const { rec, p } = await draftWithPhoto(store);
  assert.equal(await store.deleteRecord(rec.id), true);
  assert.equal(await store.getRecord(rec.id), undefined);
  assert.equal(await store.getPhoto(p.id), undefined);
  assert.equal(await store.deleteRecord(rec.id), false);

  for (const state of ["pending", "syncing", "synced", "rejected", "conflict"]) {
    const { rec: r, p: ph } = await draftWithPhoto(store);
    await store.putRecord({ ...(await store.getRecord(r.id)), state });
    await assert.rejects(store.deleteRecord(r.id), StateError, state);
    assert.equal((await store.getRecord(r.id)).state, state);
    assert.ok((await store.getPhoto(ph.id)).bytes, "the photo stays");
  }
  store.close();
});

test("listRecords lists newest first and filters by state", async () => {
  const store = await openStore(dbName());
  const a = await createDraft(store, allPass());
  await new Promise((r) => setTimeout(r, 5));
  const b = await createDraft(store, allPass());
  await new Promise((r) => setTimeout(r, 5));
  const c = await createDraft(store, allPass());
  await queue(store, b.id, { checklists: CHECKLISTS });
  assert.deepEqual((await store.listRecords()).map((r) => r.id), [c.id, b.id, a.id]);
  assert.deepEqual((await store.listRecords({ states: ["draft"] })).map((r) => r.id), [c.id, a.id]);
  assert.deepEqual((await store.listRecords({ limit: 1 })).map((r) => r.id), [c.id]);
  assert.deepEqual((await pendingBatch(store)).map((r) => r.id), [b.id]);
  store.close();
});

test("queue refuses a failed photo_required item without a photo, and a photo not on the phone", async () => {
  const store = await openStore(dbName());
  const noPhoto = await createDraft(store, inspection([]));
  const err = await queue(store, noPhoto.id, { checklists: CHECKLISTS }).catch((e) => e);
  assert.ok(err instanceof QueueError);
  assert.equal(err.fields["results[0].photo_ids"], "该项不合格，须拍照取证");
  assert.equal((await store.getRecord(noPhoto.id)).state, "draft");

  const ghost = await createDraft(store, inspection([randomUUID()]));
  const err2 = await queue(store, ghost.id, { checklists: CHECKLISTS }).catch((e) => e);
  assert.equal(err2.fields["results[0].photo_ids[0]"], "照片未保存在本机，请重新拍摄");

  const verification = await createDraft(store, {
    kind: "verification", finding_id: randomUUID(), verdict: "pass", at: "2026-11-28T10:05:00+08:00",
    lat: 42.9712, lon: 126.7431, note: "  ", photo_ids: [],
  });
  const err3 = await queue(store, verification.id).catch((e) => e);
  assert.equal(err3.fields.photo_ids, "复查须拍照或填写说明");
  store.close();
});

test("queue uses the cached checklist, drops photos the record no longer uses, and a second tap changes nothing", async () => {
  const store = await openStore(dbName());
  await store.putCache("checklists", CHECKLISTS);
  const noPhoto = await createDraft(store, inspection([]));
  await assert.rejects(queue(store, noPhoto.id), QueueError);

  const kept = photo(1);
  const dropped = photo(2);
  const rec = await createDraft(store, inspection([kept.id, dropped.id]), [kept, dropped]);
  await updateDraft(store, rec.id, inspection([kept.id], { id: rec.id, results: rec.body.results.map((r, i) => (i === 0 ? { ...r, photo_ids: [kept.id] } : r)) }));
  const queued = await queue(store, rec.id);
  assert.equal(queued.state, "pending");
  assert.deepEqual((await store.photosOf(rec.id, { bytes: false })).map((p) => p.id), [kept.id]);
  assert.equal(await store.getPhoto(dropped.id), undefined);
  assert.equal((await queue(store, rec.id)).state, "pending");
  assert.equal(await outboxCount(store), 1);
  store.close();
});

test("only drafts and rejected records can be edited", async () => {
  const store = await openStore(dbName());
  const { rec } = await draftWithPhoto(store);
  const edited = await updateDraft(store, rec.id, { ...rec.body, note: "巷口东侧" });
  assert.equal(edited.body.note, "巷口东侧");
  assert.equal(edited.state, "draft");
  await queue(store, rec.id, { checklists: CHECKLISTS });
  await assert.rejects(updateDraft(store, rec.id, { ...rec.body, note: "改" }), StateError);
  store.close();
});

test("outboxCount counts pending and syncing records, accepted ones still missing photos included", async () => {
  const store = await openStore(dbName());
  const mk = async () => {
    const { rec } = await draftWithPhoto(store);
    await queue(store, rec.id, { checklists: CHECKLISTS });
    return rec;
  };
  await draftWithPhoto(store); // a draft is not on its way
  assert.equal(await outboxCount(store), 0);

  const waiting = await mk();
  const inFlight = await mk();
  const accepted = await mk();
  const done = await mk();
  const refused = await mk();
  const clash = await mk();
  assert.equal(await outboxCount(store), 6);

  await markSyncing(store, [inFlight.id, accepted.id, done.id, refused.id, clash.id]);
  const acceptedPhoto = accepted.body.results[0].photo_ids[0];
  const summary = await applyPushResults(store, [
    { id: accepted.id, status: "created", errors: {} },
    { id: done.id, status: "duplicate", errors: {} },
    { id: refused.id, status: "rejected", errors: { started_at: "时间不能晚于当前时间 10 分钟以上" } },
    { id: clash.id, status: "conflict", errors: { id: "该编号已有内容不同的记录" } },
  ], [acceptedPhoto]);
  assert.deepEqual(summary, { accepted: 2, synced: 1, rejected: 1, conflict: 1 });

  assert.equal((await store.getRecord(waiting.id)).state, "pending");
  assert.equal((await store.getRecord(inFlight.id)).state, "syncing");
  assert.equal((await store.getRecord(accepted.id)).state, "pending", "accepted, but its photo is still missing");
  assert.equal((await store.getRecord(accepted.id)).server_status, "created");
  assert.equal((await store.getRecord(done.id)).state, "synced", "duplicate counts as synced");
  assert.equal((await store.getPhoto(done.body.results[0].photo_ids[0])).state, "uploaded", "the server has it");
  assert.deepEqual((await store.getRecord(refused.id)).errors, { started_at: "时间不能晚于当前时间 10 分钟以上" });
  assert.equal((await store.getRecord(clash.id)).state, "conflict");

  assert.equal(await outboxCount(store), 3);
  assert.deepEqual(await store.counts(), { draft: 1, pending: 2, syncing: 1, synced: 1, rejected: 1, conflict: 1, photos_pending: 3 });
  assert.deepEqual((await photosToUpload(store)).map((p) => p.id), [acceptedPhoto]);
  assert.equal((await photosToUpload(store))[0].bytes, undefined, "listed without bytes");
  store.close();
});

test("once the server has a record its content cannot change; a refused photo can be retaken under its id", async () => {
  const store = await openStore(dbName());
  const { rec, p } = await draftWithPhoto(store);
  await queue(store, rec.id, { checklists: CHECKLISTS });
  await applyPushResults(store, [{ id: rec.id, status: "created", errors: {} }], [p.id]);
  const stored = await store.getRecord(rec.id);
  await store.putRecord({ ...stored, state: "rejected", errors: { "results[0].photo_ids[0]": "不支持的图片格式" } });
  await assert.rejects(updateDraft(store, rec.id, { ...rec.body, note: "改了内容" }), /服务器已接收该记录/);
  const retake = { ...p, bytes: jpeg(4096, 9) };
  const updated = await updateDraft(store, rec.id, rec.body, [retake]);
  assert.equal(updated.state, "rejected", "editing keeps the reason until queued again");
  assert.equal((await store.getPhoto(p.id)).bytes.byteLength, 4096);
  store.close();
});

test("meta and cache keep values across reopening", async () => {
  const name = dbName();
  let store = await openStore(name);
  await store.setMeta("device_id", "phone-zhang-01");
  await store.putCache("checklists", CHECKLISTS);
  store.close();
  store = await openStore(name);
  assert.equal(await store.getMeta("device_id"), "phone-zhang-01");
  assert.deepEqual(await store.getCache("checklists"), CHECKLISTS);
  assert.equal(await store.getCache("points"), undefined);
  assert.equal(await store.estimate(), null, "no navigator.storage under Node");
  store.close();
});

test("queue also reads the checklists as refdata.js caches them ({data, at})", async () => {
  const store = await openStore(dbName());
  await store.putCache("checklists", { data: CHECKLISTS, at: Date.parse("2026-11-27T08:00:00+08:00") });
  const noPhoto = await createDraft(store, inspection([]));
  const err = await queue(store, noPhoto.id).catch((e) => e);
  assert.ok(err instanceof QueueError);
  assert.equal(err.fields["results[0].photo_ids"], "该项不合格，须拍照取证");
  store.close();
});

test("a body changed with putRecord after the server accepted it cannot be queued again", async () => {
  const store = await openStore(dbName());
  const { rec, p } = await draftWithPhoto(store);
  await queue(store, rec.id, { checklists: CHECKLISTS });
  await applyPushResults(store, [{ id: rec.id, status: "created", errors: {} }], [p.id]);
  const accepted = await store.getRecord(rec.id);
  assert.equal(typeof accepted.accepted_body, "string");
  // a photo refused later puts it back in the inspector's hands …
  await store.putRecord({ ...accepted, state: "rejected", errors: { "results[0].photo_ids[0]": "不支持的图片格式" } });
  // … and a screen that writes the record directly changes what the server already has
  const edited = structuredClone(accepted.body);
  edited.results[0].note = "改了描述";
  await store.putRecord({ ...(await store.getRecord(rec.id)), body: edited });
  await assert.rejects(queue(store, rec.id, { checklists: CHECKLISTS }), /服务器已接收该记录/);
  // putting the accepted body back (key order does not matter) makes it queueable again
  const { results, ...rest } = accepted.body;
  await store.putRecord({ ...(await store.getRecord(rec.id)), body: { results, ...rest } });
  assert.equal((await queue(store, rec.id, { checklists: CHECKLISTS })).state, "pending");
  store.close();
});
