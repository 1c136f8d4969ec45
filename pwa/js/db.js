// IndexedDB layer: records, photos, meta and cached reference data.
// Everything the inspector captures lands here before any network call.
// Photo bytes live in their own object store (as Enketo keeps files apart) so that
// counting and listing photos never loads megabytes, and they are ArrayBuffers, not
// Blobs: WebKit keeps losing Blobs stored in IndexedDB.
// idb rule: inside a transaction await only that transaction's requests, nothing else,
// or it auto-commits half-way.

import { openDB } from "../vendor/idb/index.js";

/** @typedef {import("./types.js").StoredRecord} StoredRecord */
/** @typedef {import("./types.js").StoredPhoto} StoredPhoto */
/** @typedef {import("./types.js").Counts} Counts */

const VERSION = 1;

export const RECORD_STATES = ["draft", "pending", "syncing", "synced", "rejected", "conflict"];
export const PHOTO_STATES = ["pending", "uploaded", "rejected", "conflict"];

/** An operation not allowed in the record's state (e.g. deleting a queued record). */
export class StateError extends Error {
  constructor(message) {
    super(message);
    this.name = "StateError";
  }
}

function isArrayBuffer(value) {
  return Object.prototype.toString.call(value) === "[object ArrayBuffer]";
}

function checkRecord(rec) {
  if (!rec || typeof rec.id !== "string" || !rec.id) throw new TypeError("记录缺少编号");
  if (!RECORD_STATES.includes(rec.state)) throw new TypeError(`记录状态无效：${rec.state}`);
}

/** Split a photo into its listing part and its bytes part. */
function splitPhoto(photo) {
  if (!photo || typeof photo.id !== "string" || !photo.id) throw new TypeError("照片缺少编号");
  if (typeof photo.record_id !== "string" || !photo.record_id) throw new TypeError("照片未关联记录");
  if (!PHOTO_STATES.includes(photo.state)) throw new TypeError(`照片状态无效：${photo.state}`);
  if (!isArrayBuffer(photo.bytes)) throw new TypeError("照片内容须为 ArrayBuffer");
  if (typeof photo.type !== "string" || !photo.type) throw new TypeError("照片缺少 MIME 类型");
  const { bytes, ...meta } = photo;
  meta.size = bytes.byteLength;
  return { meta, blob: { id: photo.id, bytes } };
}

function newestFirst(a, b) {
  return a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : -1;
}

/**
 * The operations available inside one transaction (see Store.mutate). Each returns the
 * idb request's promise; await only these.
 */
function txFacade(tx) {
  // After an abort, requests already made reject; callers that threw first never await
  // them, so mark them handled here (awaiting them still sees the error).
  const quiet = (promise) => {
    promise.catch(() => {});
    return promise;
  };
  const records = tx.objectStore("records");
  const photos = tx.objectStore("photos");
  const bytes = tx.objectStore("photo_bytes");
  return {
    /** @returns {Promise<StoredRecord | undefined>} */
    getRecord: (id) => quiet(records.get(id)),
    putRecord(rec) {
      checkRecord(rec);
      return quiet(records.put(rec));
    },
    /** @returns {Promise<StoredRecord[]>} */
    recordsByState: (state) => quiet(records.index("state").getAll(state)),
    deleteRecord: (id) => quiet(records.delete(id)),
    /** Photos of a record without their bytes. @returns {Promise<StoredPhoto[]>} */
    photosOf: (recordId) => quiet(photos.index("record_id").getAll(recordId)),
    /** @returns {Promise<StoredPhoto | undefined>} without bytes */
    getPhotoMeta: (id) => quiet(photos.get(id)),
    /** Update a photo's state or error; the bytes stay as they are. */
    putPhotoMeta(meta) {
      if (!PHOTO_STATES.includes(meta.state)) throw new TypeError(`照片状态无效：${meta.state}`);
      const { bytes: _ignored, ...rest } = meta;
      return quiet(photos.put(rest));
    },
    /** A photo with its bytes. */
    putPhoto(photo) {
      const { meta, blob } = splitPhoto(photo);
      return quiet(Promise.all([quiet(photos.put(meta)), quiet(bytes.put(blob))]));
    },
    deletePhoto: (id) => quiet(Promise.all([quiet(photos.delete(id)), quiet(bytes.delete(id))])),
  };
}

/**
 * Open (and create or upgrade) the database.
 * @param {string} [name]
 */
export async function openStore(name = "chuangcheng") {
  const db = await openDB(name, VERSION, {
    upgrade(database, oldVersion) {
      if (oldVersion < 1) {
        const records = database.createObjectStore("records", { keyPath: "id" });
        records.createIndex("state", "state");
        records.createIndex("created_at", "created_at");
        const photos = database.createObjectStore("photos", { keyPath: "id" });
        photos.createIndex("record_id", "record_id");
        photos.createIndex("state", "state");
        database.createObjectStore("photo_bytes", { keyPath: "id" });
        database.createObjectStore("meta");
        database.createObjectStore("cache");
      }
    },
    // A newer version opened in another tab waits for us: step aside (that tab reloads us).
    blocking(_current, _blocked, event) {
      event.target.close();
    },
  });

  /**
   * Run fn in one readwrite transaction over records and photos; abort on a throw so
   * nothing is half-written. fn may await only the facade's requests.
   * @template T
   * @param {(t: ReturnType<typeof txFacade>) => Promise<T>} fn
   * @returns {Promise<T>}
   */
  async function mutate(fn) {
    const tx = db.transaction(["records", "photos", "photo_bytes"], "readwrite");
    let result;
    try {
      result = await fn(txFacade(tx));
    } catch (err) {
      tx.done.catch(() => {});
      try {
        tx.abort();
      } catch {
        // already finished: nothing was left to undo
      }
      throw err;
    }
    await tx.done;
    return result;
  }

  const store = {
    mutate,

    /** @param {StoredRecord} rec */
    async putRecord(rec) {
      checkRecord(rec);
      await db.put("records", rec);
    },

    /** @returns {Promise<StoredRecord | undefined>} */
    getRecord: (id) => db.get("records", id),

    /**
     * Records, newest first.
     * @param {{states?: string[], limit?: number}} [options]
     * @returns {Promise<StoredRecord[]>}
     */
    async listRecords({ states, limit } = {}) {
      let rows;
      if (states) {
        const tx = db.transaction("records");
        const index = tx.store.index("state");
        const parts = await Promise.all(states.map((s) => index.getAll(s)));
        await tx.done;
        rows = parts.flat();
      } else {
        rows = await db.getAll("records");
      }
      rows.sort(newestFirst);
      return limit ? rows.slice(0, limit) : rows;
    },

    /**
     * Delete a draft and its photos. Anything queued or sent is evidence and stays.
     * @returns {Promise<boolean>} false when there was no such record
     */
    deleteRecord: (id) =>
      mutate(async (t) => {
        const rec = await t.getRecord(id);
        if (!rec) return false;
        if (rec.state !== "draft") throw new StateError("只能删除草稿；已提交的记录不能删除");
        const photos = await t.photosOf(id);
        await Promise.all([t.deleteRecord(id), ...photos.map((p) => t.deletePhoto(p.id))]);
        return true;
      }),

    /** @param {StoredPhoto} photo with bytes */
    async putPhoto(photo) {
      const { meta, blob } = splitPhoto(photo);
      const tx = db.transaction(["photos", "photo_bytes"], "readwrite");
      await Promise.all([tx.objectStore("photos").put(meta), tx.objectStore("photo_bytes").put(blob), tx.done]);
    },

    /** @returns {Promise<StoredPhoto | undefined>} with bytes */
    async getPhoto(id) {
      const tx = db.transaction(["photos", "photo_bytes"]);
      const [meta, blob] = await Promise.all([
        tx.objectStore("photos").get(id),
        tx.objectStore("photo_bytes").get(id),
        tx.done,
      ]);
      return meta && { ...meta, bytes: blob?.bytes };
    },

    /**
     * A record's photos, with their bytes unless {bytes: false}.
     * @returns {Promise<StoredPhoto[]>}
     */
    async photosOf(recordId, { bytes = true } = {}) {
      const tx = db.transaction(["photos", "photo_bytes"]);
      const metas = await tx.objectStore("photos").index("record_id").getAll(recordId);
      if (!bytes) {
        await tx.done;
        return metas;
      }
      const blobs = await Promise.all(metas.map((m) => tx.objectStore("photo_bytes").get(m.id)));
      await tx.done;
      return metas.map((m, i) => ({ ...m, bytes: blobs[i]?.bytes }));
    },

    /** Photos in a state, without their bytes. @returns {Promise<StoredPhoto[]>} */
    photosByState: (state) => db.getAllFromIndex("photos", "state", state),

    /**
     * Drop an uploaded photo's bytes, keeping its listing part (with a thumbnail) for the
     * record list. Refused unless the photo is uploaded: the server holds it then.
     * @returns {Promise<boolean>} whether bytes were dropped
     */
    async dropPhotoBytes(id, { thumb, pruned_at: prunedAt }) {
      const tx = db.transaction(["photos", "photo_bytes"], "readwrite");
      const meta = await tx.objectStore("photos").get(id);
      if (!meta || meta.state !== "uploaded") {
        await tx.done;
        return false;
      }
      await Promise.all([tx.objectStore("photos").put({ ...meta, thumb: thumb ?? meta.thumb, pruned_at: prunedAt }),
        tx.objectStore("photo_bytes").delete(id), tx.done]);
      return true;
    },

    /**
     * A record and its photos in one transaction: both are saved or neither.
     * @param {StoredRecord} rec
     * @param {StoredPhoto[]} [photos] with bytes
     */
    saveWithPhotos: (rec, photos = []) =>
      mutate(async (t) => {
        await Promise.all([t.putRecord(rec), ...photos.map((p) => t.putPhoto(p))]);
      }),

    setMeta: (key, value) => db.put("meta", value, key),
    getMeta: (key) => db.get("meta", key),

    /** Reference data (checklists, points …) kept for offline use. */
    putCache: (key, value) => db.put("cache", { value, cached_at: new Date().toISOString() }, key),
    /** Forget every cached server answer (on sign-out or a change of user). */
    clearCache: () => db.clear("cache"),
    async getCache(key) {
      return (await db.get("cache", key))?.value;
    },

    /** @returns {Promise<Counts>} */
    async counts() {
      const tx = db.transaction(["records", "photos"]);
      const index = tx.objectStore("records").index("state");
      const numbers = await Promise.all(RECORD_STATES.map((s) => index.count(s)));
      const [pending, syncing, photos] = await Promise.all([
        index.getAllKeys("pending"),
        index.getAllKeys("syncing"),
        tx.objectStore("photos").index("state").getAll("pending"),
      ]);
      await tx.done;
      const outbox = new Set([...pending, ...syncing]);
      /** @type {any} */
      const out = Object.fromEntries(RECORD_STATES.map((s, i) => [s, numbers[i]]));
      out.photos_pending = photos.filter((p) => outbox.has(p.record_id)).length;
      return out;
    },

    /** Browser storage usage and quota, or null where the API is missing. */
    async estimate() {
      const storage = globalThis.navigator?.storage;
      return storage?.estimate ? storage.estimate() : null;
    },

    close: () => db.close(),
  };
  return store;
}

/** @typedef {Awaited<ReturnType<typeof openStore>>} Store */
