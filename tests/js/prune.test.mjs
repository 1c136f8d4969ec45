// Uploaded photos leave the phone after a week (thumbnails stay), and a photo the server refused
// after it accepted the record is retaken under the same id.
import "fake-indexeddb/auto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { openStore } from "../../pwa/js/db.js";
import { applyPushResults, createDraft, photoRefused, photoUploaded, queue, retakePhoto } from "../../pwa/js/outbox.js";
import { prunePhotos } from "../../pwa/js/prune.js";
import { photo } from "./fake_server.mjs";

const DAY = 24 * 3600 * 1000;

async function acceptedRecord(store, shot) {
  const rec = await createDraft(store, { kind: "inspection", point_id: 3, location_type: "street",
    started_at: "2026-11-27T09:30:00+08:00", lat: 42.97, lon: 126.74, accuracy_m: 8, covert: false, note: "",
    results: [{ item_code: "street.1", result: "fail", note: "积水", photo_ids: [shot.id] }] }, [shot]);
  await queue(store, rec.id, { checklists: {} });
  await applyPushResults(store, [{ id: rec.id, status: "created" }], [shot.id]);
  return rec.id;
}

test("bytes uploaded more than seven days ago are dropped; the thumbnail and the listing stay", async () => {
  const store = await openStore(`prune-${randomUUID()}`);
  const shot = photo({ thumb: new Uint8Array([1, 2, 3]).buffer });
  await acceptedRecord(store, shot);
  await photoUploaded(store, shot.id, {});
  const uploadedAt = Date.parse((await store.getPhoto(shot.id)).uploaded_at);
  assert.equal(await prunePhotos(store, { now: uploadedAt + 6 * DAY }), 0);
  assert.ok((await store.getPhoto(shot.id)).bytes);
  assert.equal(await prunePhotos(store, { now: uploadedAt + 8 * DAY }), 1);
  const left = await store.getPhoto(shot.id);
  assert.equal(left.bytes, undefined);
  assert.deepEqual([...new Uint8Array(left.thumb)], [1, 2, 3]);
  assert.equal(left.state, "uploaded");
  assert.equal(await prunePhotos(store, { now: uploadedAt + 9 * DAY }), 0); // once
});

test("photos not yet uploaded are never pruned, however old", async () => {
  const store = await openStore(`prune-${randomUUID()}`);
  const shot = photo();
  await acceptedRecord(store, shot);
  assert.equal(await prunePhotos(store, { now: Date.now() + 30 * DAY }), 0);
  assert.ok((await store.getPhoto(shot.id)).bytes);
});

test("a refused photo of an accepted record is retaken under its id and the record queued again", async () => {
  const store = await openStore(`prune-${randomUUID()}`);
  const shot = photo();
  const id = await acceptedRecord(store, shot);
  await photoRefused(store, shot.id, "rejected", "图片文件不完整或已损坏");
  assert.equal((await store.getRecord(id)).state, "rejected");
  const again = photo({ id: undefined });
  delete again.id;
  const rec = await retakePhoto(store, id, shot.id, again);
  assert.equal(rec.state, "pending");
  const stored = await store.getPhoto(shot.id);
  assert.equal(stored.state, "pending");
  assert.equal(stored.error, null);
  assert.deepEqual(new Uint8Array(stored.bytes), new Uint8Array(again.bytes));
  await assert.rejects(retakePhoto(store, id, shot.id, photo()), /无需重拍/);
});
