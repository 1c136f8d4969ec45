// Finding actions in the outbox, without any network: shape, local checks, states,
// re-queueing under a new key, and the order sync takes them in.
import "fake-indexeddb/auto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { openStore, StateError } from "../../pwa/js/db.js";
import {
  createDraft, outboxCount, pendingBatch, queue, queueAction, QueueError, requeueAction, updateDraft, markSyncing,
} from "../../pwa/js/outbox.js";
import {
  ACTION_LABELS, actionApplied, actionPhotosToUpload, actionRefused, actionRequest, nextAction,
} from "../../pwa/js/actions.js";
import { photo } from "./fake_server.mjs";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const REPLY = { measures: "安排保洁员当日清理", responsible: "王建国", phone: "13904321234", planned_date: "2026-11-30" };
const dbName = () => `actions-${randomUUID()}`;
const later = () => new Promise((r) => setTimeout(r, 3));

test("an action is a record like the others: client UUID (its Idempotency-Key), fields, photos as ArrayBuffers", async () => {
  const store = await openStore(dbName());
  const findingId = randomUUID();
  const photos = [photo(), photo()];
  const rec = await queueAction(store, { finding_id: findingId, action: "rectify", fields: { note: "已清理", photo_ids: photos.map((p) => p.id) } }, photos);
  assert.match(rec.id, UUID);
  assert.equal(rec.kind, "action");
  assert.equal(rec.state, "pending");
  assert.deepEqual(
    { ...rec.body, at: undefined },
    { kind: "action", id: rec.id, finding_id: findingId, action: "rectify", fields: { note: "已清理", photo_ids: photos.map((p) => p.id) }, at: undefined },
  );
  assert.ok(rec.body.at, "when it was taken, for the list");
  const saved = await store.photosOf(rec.id);
  assert.deepEqual(saved.map((p) => p.id).sort(), photos.map((p) => p.id).sort());
  for (const p of saved) {
    assert.equal(p.record_id, rec.id);
    assert.equal(p.state, "pending");
    assert.ok(p.bytes instanceof ArrayBuffer);
  }
  assert.equal(await outboxCount(store), 1);
  assert.equal((await store.counts()).photos_pending, 2);
  assert.deepEqual(await pendingBatch(store), [], "actions are not pushed with the records");
  assert.deepEqual(actionRequest(rec.body), { action: "rectify", note: "已清理", photo_ids: photos.map((p) => p.id) });
  assert.equal(ACTION_LABELS.rectify, "整改完成");
  store.close();
});

test("createDraft/queue work for actions too; what no edit can fix is a TypeError", async () => {
  const store = await openStore(dbName());
  const draft = await createDraft(store, { kind: "action", finding_id: randomUUID(), action: "verify", fields: { note: "已复查" } });
  assert.equal(draft.state, "draft");
  assert.deepEqual(draft.body.fields, { note: "已复查", photo_ids: [] });
  assert.equal((await queue(store, draft.id)).id, draft.id, "a draft keeps its id: it was never sent");
  await assert.rejects(createDraft(store, { kind: "action", finding_id: randomUUID(), action: "close" }), TypeError);
  await assert.rejects(createDraft(store, { kind: "action", action: "reply", fields: REPLY }), TypeError);
  await assert.rejects(createDraft(store, { kind: "action", id: "A-1", finding_id: randomUUID(), action: "reply", fields: REPLY }), TypeError);
  const noAction = await createDraft(store, { kind: "action", finding_id: randomUUID(), action: "return", fields: { action: "void", reason: "不属本社区" } });
  assert.deepEqual(actionRequest(noAction.body), { action: "return", reason: "不属本社区" }, "a field cannot change the action");
  store.close();
});

test("local checks: required fields, dates, a rectification's photo; queueAction keeps nothing it refused", async () => {
  const store = await openStore(dbName());
  const findingId = randomUUID();
  const noPhoto = await queueAction(store, { finding_id: findingId, action: "rectify", fields: { note: "已整改" } }).catch((e) => e);
  assert.ok(noPhoto instanceof QueueError);
  assert.deepEqual(noPhoto.fields, { photo_ids: "整改完成须至少附一张整改后照片" });

  const reply = await queueAction(store, { finding_id: findingId, action: "reply", fields: { measures: " ", planned_date: "11/30" } }).catch((e) => e);
  assert.deepEqual(reply.fields, { measures: "请填写整改措施", responsible: "请填写责任人", planned_date: "日期格式须为 YYYY-MM-DD" });

  const ghost = await queueAction(store, { finding_id: findingId, action: "rectify", fields: { photo_ids: [randomUUID()] } }).catch((e) => e);
  assert.deepEqual(ghost.fields, { "photo_ids[0]": "照片未保存在本机，请重新拍摄" });

  const verify = await queueAction(store, { finding_id: findingId, action: "reject", fields: { note: "" } }).catch((e) => e);
  assert.deepEqual(verify.fields, { photo_ids: "复查须拍照或填写说明" });

  assert.deepEqual(await store.listRecords(), [], "no half-made drafts left behind");
  assert.equal((await queueAction(store, { finding_id: findingId, action: "reply", fields: REPLY })).state, "pending");
  store.close();
});

test("applied → 已同步 with the finding; refused → 未通过 with fields, or the message under action", async () => {
  const store = await openStore(dbName());
  const a = await queueAction(store, { finding_id: randomUUID(), action: "reply", fields: REPLY });
  const b = await queueAction(store, { finding_id: randomUUID(), action: "reply", fields: REPLY });
  const c = await queueAction(store, { finding_id: randomUUID(), action: "return", fields: { reason: "不属本社区" } });
  await markSyncing(store, [a.id, b.id, c.id]);
  assert.equal(await actionApplied(store, a.id, { id: a.body.finding_id, status: "replied" }), true);
  await actionRefused(store, b.id, { status: 422, code: "invalid_fields", message: "填写的内容有误", fields: { planned_date: "计划完成日期不能早于今天" } });
  await actionRefused(store, c.id, { status: 404, code: "not_found", message: "问题不存在或无权查看", fields: {} });
  const [sa, sb, sc] = await Promise.all([a, b, c].map((r) => store.getRecord(r.id)));
  assert.deepEqual([sa.state, sa.result], ["synced", { id: a.body.finding_id, status: "replied" }]);
  assert.deepEqual([sb.state, sb.errors], ["rejected", { planned_date: "计划完成日期不能早于今天" }]);
  assert.deepEqual([sc.state, sc.errors, sc.error.status], ["rejected", { action: "问题不存在或无权查看" }, 404]);
  assert.equal(await actionApplied(store, a.id, {}), false, "settled records stay as they are");
  await assert.rejects(updateDraft(store, a.id, a.body), StateError);
  await assert.rejects(requeueAction(store, a.id, REPLY), StateError, "a synced action cannot be sent again");
  store.close();
});

test("queue on a refused action also gives it a new key, photos follow, dropped photos go, refused ones are retried", async () => {
  const store = await openStore(dbName());
  const [keep, drop] = [photo(), photo()];
  const rec = await queueAction(store, { finding_id: randomUUID(), action: "rectify", fields: { note: "", photo_ids: [keep.id, drop.id] } }, [keep, drop]);
  await store.mutate(async (t) => {
    await t.putPhotoMeta({ ...(await t.getPhotoMeta(keep.id)), state: "rejected", error: "不支持的图片格式" });
    await t.putRecord({ ...(await t.getRecord(rec.id)), state: "rejected", errors: { "photo_ids[0]": "不支持的图片格式" } });
  });
  await updateDraft(store, rec.id, { ...rec.body, fields: { note: "", photo_ids: [keep.id] } });
  const again = await queue(store, rec.id);
  assert.notEqual(again.id, rec.id);
  assert.equal(again.created_at, rec.created_at, "still taken when it was: its place in the order stays");
  const photos = await store.photosOf(again.id, { bytes: false });
  assert.deepEqual(photos.map((p) => [p.id, p.state, p.record_id]), [[keep.id, "pending", again.id]]);
  assert.equal(await store.getPhoto(drop.id), undefined);
  assert.equal((await queue(store, again.id)).id, again.id, "a second tap changes nothing");
  assert.deepEqual((await actionPhotosToUpload(store, again)).map((p) => p.id), [keep.id]);
  store.close();
});

test("an action in conflict over a photo id needs a retake under a new id", async () => {
  const store = await openStore(dbName());
  const clash = photo();
  const rec = await queueAction(store, { finding_id: randomUUID(), action: "rectify", fields: { photo_ids: [clash.id] } }, [clash]);
  await store.mutate(async (t) => {
    await t.putPhotoMeta({ ...(await t.getPhotoMeta(clash.id)), state: "conflict", error: "该照片编号已存在不同内容的照片" });
    await t.putRecord({ ...(await t.getRecord(rec.id)), state: "conflict", errors: { "photo_ids[0]": "该照片编号已存在不同内容的照片" } });
  });
  const err = await requeueAction(store, rec.id, { photo_ids: [clash.id] }).catch((e) => e);
  assert.deepEqual(err.fields, { "photo_ids[0]": "该照片编号已被占用，请重新拍摄" });
  const retake = photo();
  const again = await requeueAction(store, rec.id, { photo_ids: [retake.id] }, [retake]);
  assert.equal(again.state, "pending");
  assert.deepEqual((await store.photosOf(again.id, { bytes: false })).map((p) => p.id), [retake.id]);
  store.close();
});

test("nextAction: oldest first, one finding's actions in order, none past one still waiting", async () => {
  const store = await openStore(dbName());
  const [f, g] = [randomUUID(), randomUUID()];
  const f1 = await queueAction(store, { finding_id: f, action: "reply", fields: REPLY });
  await later();
  const g1 = await queueAction(store, { finding_id: g, action: "return", fields: { reason: "不属本社区" } });
  await later();
  const f2 = await queueAction(store, { finding_id: f, action: "request_extension", fields: { reason: "材料未到", until: "2026-12-10" } });
  assert.equal((await nextAction(store)).id, f1.id);
  assert.equal((await nextAction(store, new Set([f1.id]))).id, g1.id, "f1 was tried and still waits: f2 must not pass it");
  assert.equal(await nextAction(store, new Set([f1.id, g1.id])), undefined);
  await actionRefused(store, f1.id, { status: 409, code: "not_allowed_in_state", message: "不能答复" });
  assert.equal((await nextAction(store, new Set([g1.id]))).id, f2.id, "a refused action no longer holds the finding");
  store.close();
});
