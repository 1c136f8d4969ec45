// The outbox: a record's life on the phone, from draft to 已同步.
//   draft ──queue──▶ pending ──push──▶ syncing ──▶ synced   (server: created/duplicate, all photos up)
//                       ▲                 ├──▶ pending       (accepted, photos still missing)
//        edit + queue   │                 ├──▶ rejected      (server's errors kept, editable)
//   rejected ───────────┘                 └──▶ conflict      (same id, other content: a person decides)
// Every change is one IndexedDB transaction (store.mutate), so two tabs never see half a change.
// Three kinds of record: "inspection" and "verification" go by sync/push; "action" (a
// finding's transition, see actions.js) goes one POST at a time with its id as
// Idempotency-Key, and a refused action queued again gets a new id (queue does that).

import { StateError } from "./db.js";
import { actionPhotoPaths, actionProblems, normalizeAction } from "./actions.js";

/** @typedef {import("./types.js").StoredRecord} StoredRecord */
/** @typedef {import("./types.js").StoredPhoto} StoredPhoto */
/** @typedef {import("./types.js").SyncRecord} SyncRecord */
/** @typedef {import("./types.js").PushResult} PushResult */
/** @typedef {import("./db.js").Store} Store */

/** What each state says to the inspector. */
export const STATE_LABELS = {
  draft: "草稿",
  pending: "待同步",
  syncing: "同步中",
  synced: "已同步",
  rejected: "未通过",
  conflict: "冲突",
};

export const PHOTO_STATE_LABELS = {
  pending: "待上传",
  uploaded: "已上传",
  rejected: "被拒收",
  conflict: "编号冲突",
};

/** The key under which the UI caches GET /api/v1/checklists (used to check photo_required). */
export const CHECKLISTS_CACHE_KEY = "checklists";

const EDITABLE = ["draft", "rejected"];
const OUTBOX = ["pending", "syncing"];
const KINDS = ["inspection", "verification", "action"];

/** An action the server never applied may be edited from conflict too (a photo id clash). */
const editable = (rec) => EDITABLE.includes(rec.state) || (rec.kind === "action" && rec.state === "conflict");

/** A record that cannot be queued yet; fields holds Chinese messages by field path. */
export class QueueError extends Error {
  /** @param {string} message @param {Object<string, string>} fields */
  constructor(message, fields) {
    super(message);
    this.name = "QueueError";
    this.fields = fields;
  }
}

const nowIso = () => new Date().toISOString();

/** crypto.randomUUID needs a secure context; getRandomValues does not (a phone on plain http). */
export function newId() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Where each photo is referenced in a record, as the server names fields.
 * @param {SyncRecord} body
 * @returns {Map<string, string>} photo id (lowercase) → "results[0].photo_ids[1]" | "photo_ids[0]"
 *   (an action's photo_ids are under fields, but named as the server names them: "photo_ids[0]")
 */
export function photoPaths(body) {
  if (body.kind === "action") return actionPhotoPaths(body);
  const out = new Map();
  if (body.kind === "verification") {
    (body.photo_ids ?? []).forEach((p, j) => out.set(p.toLowerCase(), `photo_ids[${j}]`));
  } else {
    (body.results ?? []).forEach((r, i) =>
      (r.photo_ids ?? []).forEach((p, j) => out.set(p.toLowerCase(), `results[${i}].photo_ids[${j}]`)),
    );
  }
  return out;
}

/** Give the record and its results their client UUIDs, on a copy. */
function withIds(body) {
  if (!body || !KINDS.includes(body.kind)) {
    throw new TypeError("记录类型须为 inspection、verification 或 action");
  }
  const b = structuredClone(body);
  b.id ??= newId();
  if (b.kind === "action") return normalizeAction(b);
  if (b.kind === "inspection") {
    b.results = (b.results ?? []).map((r) => ({ ...r, id: r.id ?? newId(), photo_ids: r.photo_ids ?? [] }));
  } else {
    b.photo_ids ??= [];
  }
  return b;
}

function photosFor(recordId, photos) {
  return photos.map((p) => ({ ...p, record_id: recordId, state: "pending", error: null }));
}

/** Keys sorted, so two equal bodies compare equal whatever their key order. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const FROZEN = "服务器已接收该记录，内容不能再修改，只能重拍被拒收的照片（保持照片编号）";

/** The server hashes what it accepted: another body under the same id would be a conflict. */
function changedAfterAcceptance(rec, body) {
  return Boolean(rec.server_status) && canonical(body) !== (rec.accepted_body ?? canonical(rec.body));
}

/**
 * Save a new record as a draft, with its photos, in one transaction.
 * @param {Store} store
 * @param {Partial<SyncRecord>} body  the record as the contract defines it; missing ids are made here
 * @param {StoredPhoto[]} [photos]    with bytes; record_id and state are set here
 * @returns {Promise<StoredRecord>}
 */
export async function createDraft(store, body, photos = []) {
  const b = withIds(body);
  const t = nowIso();
  /** @type {StoredRecord} */
  const rec = {
    id: b.id, kind: b.kind, state: "draft", body: b, errors: null, server_status: null,
    created_at: t, updated_at: t, queued_at: null, accepted_at: null, synced_at: null,
  };
  await store.saveWithPhotos(rec, photosFor(rec.id, photos));
  return rec;
}

/**
 * Change a draft or a rejected record (a rejected one keeps its errors until queued again).
 * Photos given are added or replace those with the same id (e.g. a retake of a refused photo).
 * @param {Store} store
 * @param {string} id
 * @param {SyncRecord} body
 * @param {StoredPhoto[]} [photos]
 * @returns {Promise<StoredRecord>}
 */
export async function updateDraft(store, id, body, photos = []) {
  const b = withIds({ ...body, id });
  return store.mutate(async (t) => {
    const rec = await t.getRecord(id);
    if (!rec) throw new StateError("记录不存在");
    if (!editable(rec)) throw new StateError(`“${STATE_LABELS[rec.state]}”的记录不能修改`);
    if (changedAfterAcceptance(rec, b)) throw new StateError(FROZEN);
    const next = { ...rec, body: b, updated_at: nowIso() };
    await Promise.all([t.putRecord(next), ...photosFor(id, photos).map((p) => t.putPhoto(p))]);
    return next;
  });
}

/** Local checks that would otherwise cost a round trip and a rejection. */
function problems(body, photos, catalogue) {
  const fields = {};
  const local = new Set(photos.map((p) => p.id.toLowerCase()));
  for (const [pid, path] of photoPaths(body)) {
    if (!local.has(pid)) fields[path] = "照片未保存在本机，请重新拍摄";
  }
  if (body.kind === "action") return { ...actionProblems(body, photos), ...fields };
  if (body.kind === "verification") {
    if (!(body.photo_ids ?? []).length && !/\S/.test(body.note ?? "")) {
      fields.photo_ids = "复查须拍照或填写说明";
    }
    return fields;
  }
  if (body.point_id == null && (body.lat == null || body.lon == null)) {
    fields.lat = "未取得定位，且未选择点位";
  }
  if (!(body.results ?? []).length) fields.results = "至少填写一项检查结果";
  // The API's {street: [items]}, wrapped {data, at} as refdata.js caches it, or checklists.json.
  const cat = catalogue?.data && typeof catalogue.data === "object" ? catalogue.data : catalogue;
  const items = Array.isArray(cat?.[body.location_type])
    ? cat[body.location_type]
    : cat?.location_types?.[body.location_type]?.items ?? [];
  const needsPhoto = new Set(items.filter((i) => i.photo_required).map((i) => i.code));
  (body.results ?? []).forEach((r, i) => {
    if (r.result === "fail" && needsPhoto.has(r.item_code) && !(r.photo_ids ?? []).length) {
      fields[`results[${i}].photo_ids`] = "该项不合格，须拍照取证";
    }
  });
  return fields;
}

/**
 * Queue a draft or rejected record for sync (→ pending). Throws QueueError when photos
 * are missing locally or a failed photo_required item has none (for an action: its
 * required fields, see actions.js). Photos no longer referenced by the record are deleted;
 * refused photos get another try.
 * An action that was refused (rejected, or conflict over a photo id) is queued under a NEW
 * id, its Idempotency-Key: the record and its photos move to that id, the old id is kept in
 * rec.replaces. The answer is the record as queued: use its id from then on.
 * @param {Store} store
 * @param {string} id
 * @param {{checklists?: object}} [options]  GET /api/v1/checklists' answer; by default the cached one
 * @returns {Promise<StoredRecord>}
 */
export async function queue(store, id, { checklists } = {}) {
  const catalogue = checklists ?? (await store.getCache(CHECKLISTS_CACHE_KEY)); // outside the transaction
  return store.mutate(async (t) => {
    const rec = await t.getRecord(id);
    if (!rec) throw new StateError("记录不存在");
    if (OUTBOX.includes(rec.state)) return rec; // a second tap changes nothing
    if (!editable(rec)) throw new StateError(`“${STATE_LABELS[rec.state]}”的记录不能提交`);
    if (changedAfterAcceptance(rec, rec.body)) throw new StateError(FROZEN); // edited with putRecord
    const photos = await t.photosOf(id);
    const fields = problems(rec.body, photos, catalogue);
    if (Object.keys(fields).length) throw new QueueError("记录不完整，暂不能提交", fields);
    const stamp = nowIso();
    let next = { ...rec, state: "pending", errors: null, queued_at: stamp, updated_at: stamp };
    const writes = [];
    if (rec.kind === "action" && rec.state !== "draft") {
      const fresh = newId();
      next = { ...next, id: fresh, body: { ...rec.body, id: fresh }, error: null, replaces: [...(rec.replaces ?? []), rec.id] };
      writes.push(t.deleteRecord(rec.id));
    }
    const refs = photoPaths(rec.body);
    for (const p of photos) {
      if (!refs.has(p.id.toLowerCase())) {
        writes.push(t.deletePhoto(p.id));
        continue;
      }
      const moved = p.record_id !== next.id ? { record_id: next.id } : {};
      const retry = p.state === "rejected" ? { state: "pending", error: null } : {};
      if (Object.keys(moved).length || Object.keys(retry).length) writes.push(t.putPhotoMeta({ ...p, ...moved, ...retry }));
    }
    writes.push(t.putRecord(next));
    await Promise.all(writes);
    return next;
  });
}

/**
 * Take a finding's action and queue it, in one go (a draft that fails the local checks is
 * not kept: the QueueError says what to fix in the form).
 * @param {Store} store
 * @param {{finding_id: string, action: string, fields?: object, id?: string, at?: string}} action
 *   fields as the server takes them, photo ids under fields.photo_ids
 * @param {StoredPhoto[]} [photos]  with bytes (ArrayBuffer)
 * @returns {Promise<StoredRecord>} pending; its id is the Idempotency-Key
 */
export async function queueAction(store, { finding_id, action, fields = {}, id, at }, photos = []) {
  const rec = await createDraft(store, { kind: "action", id, finding_id, action, fields, at }, photos);
  try {
    return await queue(store, rec.id);
  } catch (err) {
    await store.deleteRecord(rec.id).catch(() => {}); // the original error is the one to show
    throw err;
  }
}

/**
 * Change a refused action's fields and queue it again under a new id / Idempotency-Key
 * (also fine for a draft, which keeps its id). When the new fields fail the local checks,
 * they are saved and the QueueError says why, as for an inspection.
 * @param {Store} store
 * @param {string} id
 * @param {object} newFields      the action's fields, complete (photo_ids included)
 * @param {StoredPhoto[]} [photos] new or retaken photos, with bytes
 * @returns {Promise<StoredRecord>} the record as queued, with its new id
 */
export async function requeueAction(store, id, newFields, photos = []) {
  const rec = await store.getRecord(id);
  if (!rec || rec.kind !== "action") throw new StateError("操作记录不存在");
  await updateDraft(store, id, { ...rec.body, fields: newFields }, photos);
  return queue(store, id);
}

/**
 * Records not yet synced that are on their way: pending + syncing. Drafts are not queued;
 * rejected and conflict wait for a person and are counted apart (counts()).
 * @param {Store} store
 */
export async function outboxCount(store) {
  const c = await store.counts();
  return c.pending + c.syncing;
}

/**
 * The oldest pending records, to push in this order (actions go their own way: see
 * actions.nextAction).
 * @param {Store} store
 * @param {number} [max]
 * @param {Set<string>} [skip]  ids already pushed in this run
 * @returns {Promise<StoredRecord[]>}
 */
export async function pendingBatch(store, max = 100, skip = new Set()) {
  const rows = await store.listRecords({ states: ["pending"] });
  return rows.reverse().filter((r) => r.kind !== "action" && !skip.has(r.id)).slice(0, max);
}

async function setStates(store, ids, from, to) {
  return store.mutate(async (t) => {
    const rows = await Promise.all(ids.map((id) => t.getRecord(id)));
    const stamp = nowIso();
    await Promise.all(rows.filter((r) => r && r.state === from).map((r) => t.putRecord({ ...r, state: to, updated_at: stamp })));
  });
}

/** pending → syncing while a push or its photos are in flight. */
export const markSyncing = (store, ids) => setStates(store, ids, "pending", "syncing");
/** syncing → pending for whatever a run did not settle. */
export const releaseSyncing = (store, ids) => setStates(store, ids, "syncing", "pending");

/** A run that died (tab closed mid-push) left records syncing; the lock holder frees them. */
export async function recoverInterrupted(store) {
  const rows = await store.listRecords({ states: ["syncing"] });
  await releaseSyncing(store, rows.map((r) => r.id));
}

/** Is every photo the record names uploaded? */
function allUploaded(rec, photos) {
  const byId = new Map(photos.map((p) => [p.id.toLowerCase(), p]));
  return [...photoPaths(rec.body).keys()].every((id) => byId.get(id)?.state === "uploaded");
}

/**
 * Apply the server's answer to a push. Accepted records become synced when the server
 * misses none of their photos, else stay pending for the photo uploads; a photo the server
 * does not list as missing is already there, so it counts as uploaded.
 * @param {Store} store
 * @param {PushResult[]} results
 * @param {string[]} missingPhotoIds
 * @returns {Promise<{accepted: number, synced: number, rejected: number, conflict: number}>}
 */
export async function applyPushResults(store, results, missingPhotoIds) {
  const missing = new Set(missingPhotoIds.map((p) => p.toLowerCase()));
  return store.mutate(async (t) => {
    const out = { accepted: 0, synced: 0, rejected: 0, conflict: 0 };
    const stamp = nowIso();
    for (const r of results) {
      if (typeof r.id !== "string") continue;
      const rec = await t.getRecord(r.id);
      if (!rec || !OUTBOX.includes(rec.state)) continue;
      const next = { ...rec, updated_at: stamp };
      if (r.status === "created" || r.status === "duplicate") {
        out.accepted += 1;
        const refs = photoPaths(rec.body);
        const photos = (await t.photosOf(rec.id)).filter((p) => refs.has(p.id.toLowerCase()));
        for (const p of photos) {
          const wanted = missing.has(p.id.toLowerCase());
          if (wanted && p.state === "uploaded") p.state = "pending"; // the server lost it: send again
          else if (!wanted && p.state === "pending") Object.assign(p, { state: "uploaded", uploaded_at: stamp });
          else continue;
          await t.putPhotoMeta(p);
        }
        Object.assign(next, {
          server_status: rec.server_status ?? r.status,
          accepted_at: rec.accepted_at ?? stamp,
          accepted_body: rec.accepted_body ?? canonical(rec.body),
          errors: null,
        });
        // Which finding each failed item opened, or joined as 仍未整改 (the server decides).
        if (Array.isArray(r.findings)) next.findings = r.findings;
        const done = [...refs.keys()].every((id) => !missing.has(id));
        next.state = done && allUploaded(rec, photos) ? "synced" : "pending";
        if (next.state === "synced") {
          next.synced_at = stamp;
          out.synced += 1;
        }
      } else if (r.status === "rejected" || r.status === "conflict") {
        out[r.status] += 1;
        Object.assign(next, { state: r.status, errors: r.errors ?? {} });
      } else {
        continue;
      }
      await t.putRecord(next);
    }
    return out;
  });
}

/**
 * Photos to PUT now, without their bytes (load each with store.getPhoto): those not yet
 * uploaded of records the server has accepted, oldest record first, in record order.
 * @param {Store} store
 * @returns {Promise<StoredPhoto[]>}
 */
export async function photosToUpload(store) {
  const recs = (await store.listRecords({ states: OUTBOX })).reverse().filter((r) => r.server_status);
  const out = [];
  for (const rec of recs) {
    const byId = new Map((await store.photosOf(rec.id, { bytes: false })).map((p) => [p.id.toLowerCase(), p]));
    for (const id of photoPaths(rec.body).keys()) {
      const p = byId.get(id);
      if (p?.state === "pending") out.push(p);
    }
  }
  return out;
}

/**
 * A photo reached the server; its record becomes synced when it was the last one.
 * @param {Store} store
 * @param {string} photoId
 * @param {{sha256?: string}} [info]  the server's answer
 * @returns {Promise<{recordSynced: boolean}>}
 */
export async function photoUploaded(store, photoId, info = {}) {
  return store.mutate(async (t) => {
    const p = await t.getPhotoMeta(photoId);
    if (!p) return { recordSynced: false };
    const stamp = nowIso();
    const photo = { ...p, state: "uploaded", error: null, sha256: info.sha256 ?? p.sha256 ?? null, uploaded_at: stamp };
    await t.putPhotoMeta(photo);
    const rec = await t.getRecord(p.record_id);
    if (!rec || !OUTBOX.includes(rec.state) || !rec.server_status) return { recordSynced: false };
    const photos = (await t.photosOf(rec.id)).map((x) => (x.id === photo.id ? photo : x));
    if (!allUploaded(rec, photos)) return { recordSynced: false };
    await t.putRecord({ ...rec, state: "synced", synced_at: stamp, updated_at: stamp });
    return { recordSynced: true };
  });
}

/**
 * The server will not take a photo (400/413/415 → rejected, 409 → conflict): mark the photo
 * and its record, with the server's message under the photo's field path, and stop retrying.
 * @param {Store} store
 * @param {string} photoId
 * @param {"rejected" | "conflict"} state
 * @param {string} message  Chinese, as the server said it
 */
export async function photoRefused(store, photoId, state, message) {
  return store.mutate(async (t) => {
    const p = await t.getPhotoMeta(photoId);
    if (!p) return;
    await t.putPhotoMeta({ ...p, state, error: message });
    const rec = await t.getRecord(p.record_id);
    if (!rec || !OUTBOX.includes(rec.state)) return;
    const path = photoPaths(rec.body).get(photoId.toLowerCase()) ?? `photo:${photoId}`;
    await t.putRecord({ ...rec, state, errors: { ...(rec.errors ?? {}), [path]: message }, updated_at: nowIso() });
  });
}

/**
 * 重拍: another photo for a slot whose photo the server refused after accepting its record.
 * The record is frozen on the server and names the photo's id, so the new bytes go under that
 * same id; the record is queued again and sync uploads them.
 * @param {Store} store
 * @param {string} recordId
 * @param {string} photoId
 * @param {object} shot  a processed photo (camera.js), with bytes
 * @returns {Promise<StoredRecord>} the record as queued
 */
export async function retakePhoto(store, recordId, photoId, shot) {
  const rec = await store.getRecord(recordId);
  if (!rec) throw new StateError("记录不存在");
  const meta = (await store.photosOf(recordId, { bytes: false })).find((p) => p.id === photoId);
  if (!meta || meta.state !== "rejected") throw new StateError("这张照片没有被拒收，无需重拍");
  const { pruned_at: _pruned, ...kept } = meta;
  await updateDraft(store, recordId, rec.body, [{ ...kept, ...shot, id: photoId, error: null }]);
  return queue(store, recordId);
}
