// When and how the outbox reaches the server. One run: records first (100 a push), then
// the photos the server misses, one request each, then the queued finding actions, oldest
// first and one at a time: each one's photos, then its POST under its Idempotency-Key. A run holds a Web Lock so that two open
// tabs never push at once; without Web Locks (Node, old browsers) a lock shared within
// the page stands in. A failed run retries on a backoff; a 401 stops until the next login.

import { Backoff } from "./backoff.js";
import { AuthError, BadResponseError, HttpError } from "./api.js";
import * as outbox from "./outbox.js";
import * as actions from "./actions.js";

/** @typedef {import("./types.js").SyncState} SyncState */
/** @typedef {import("./types.js").SyncSummary} SyncSummary */
/** @typedef {import("./db.js").Store} Store */

export const SYNC_STATE_LABELS = {
  idle: "已是最新",
  syncing: "同步中",
  waiting: "等待重试",
  auth: "登录已过期，请重新登录",
};

export const LOCK_NAME = "chuangcheng-sync";
const BATCH = 100;
const MAX_ROUNDS = 5; // records queued during a run are picked up, but a run always ends
const REFUSED = new Set([400, 413, 415]); // the server will never take these bytes

/**
 * A stand-in for navigator.locks within one page: same request(name, options, callback).
 * @returns {{request: (name: string, options: any, callback?: (lock: any) => any) => Promise<any>}}
 */
export function createLocalLocks() {
  const held = new Map();
  return {
    async request(name, options, callback) {
      if (typeof options === "function") [options, callback] = [{}, options];
      if (held.has(name) && options.ifAvailable) return callback(null);
      while (held.has(name)) await held.get(name).catch(() => {});
      const run = (async () => callback({ name, mode: "exclusive" }))();
      held.set(name, run);
      try {
        return await run;
      } finally {
        if (held.get(name) === run) held.delete(name);
      }
    },
  };
}

const pageLocks = createLocalLocks();

/**
 * The device id sent with every push: made once, kept in meta.
 * @param {Store} store
 */
async function ensureDeviceId(store) {
  let id = await store.getMeta("device_id");
  if (!id) {
    id = outbox.newId();
    await store.setMeta("device_id", id);
  }
  return id;
}

/**
 * @param {{store: Store, api: ReturnType<typeof import("./api.js").createApi>, deviceId?: string,
 *          locks?: any, backoff?: Backoff, now?: () => number,
 *          setTimer?: typeof setTimeout, clearTimer?: typeof clearTimeout,
 *          onChange?: (info: {state: SyncState, lastError: Error | null, nextRetryAt: number | null}) => void,
 *          win?: EventTarget, doc?: EventTarget & {visibilityState?: string}, lockName?: string}} options
 *   win/doc default to window/document; deviceId defaults to one kept in meta "device_id".
 */
export function createSyncer({
  store,
  api,
  deviceId,
  locks = globalThis.navigator?.locks,
  backoff = new Backoff(),
  now = Date.now,
  setTimer = setTimeout,
  clearTimer = clearTimeout,
  onChange = () => {},
  win = globalThis.window,
  doc = globalThis.document,
  lockName = LOCK_NAME,
}) {
  const lockManager = locks ?? pageLocks;
  /** @type {SyncState} */
  let state = "idle";
  let running = false;
  let started = false;
  let timer = null;
  let nextRetryAt = null;
  /** @type {Error | null} */
  let lastError = null;

  function changed() {
    try {
      onChange({ state, lastError, nextRetryAt });
    } catch (err) {
      console.error(err); // a screen's bug must not stop the sync
    }
  }

  function setState(next) {
    state = next;
    changed();
  }

  function cancelRetry() {
    if (timer !== null) clearTimer(timer);
    timer = null;
    nextRetryAt = null;
  }

  function scheduleRetry() {
    cancelRetry();
    if (!started) return;
    const delay = backoff.next();
    nextRetryAt = now() + delay;
    timer = setTimer(() => {
      timer = null;
      nextRetryAt = null;
      syncNow().catch((err) => console.error(err));
    }, delay);
  }

  async function pushRecords(device, sent, summary) {
    for (;;) {
      const batch = await outbox.pendingBatch(store, BATCH, sent);
      if (!batch.length) return;
      const ids = batch.map((r) => r.id);
      ids.forEach((id) => sent.add(id));
      await outbox.markSyncing(store, ids);
      changed();
      try {
        const answer = await api.push(batch.map((r) => r.body), device);
        const applied = await outbox.applyPushResults(store, answer.results, answer.missing_photos);
        summary.pushed += applied.accepted;
        summary.synced += applied.synced;
        summary.failed += applied.rejected + applied.conflict;
      } finally {
        await outbox.releaseSyncing(store, ids);
        changed();
      }
    }
  }

  /** Upload one photo; a refusal marks it, anything else stops the run. */
  async function uploadOne(meta, summary) {
    const photo = await store.getPhoto(meta.id);
    if (!photo?.bytes) {
      await outbox.photoRefused(store, meta.id, "rejected", "本机照片数据丢失，请重新拍摄");
      summary.failed += 1;
      return;
    }
    try {
      const info = await api.putPhoto(photo);
      const { recordSynced } = await outbox.photoUploaded(store, meta.id, info);
      summary.uploaded += 1;
      if (recordSynced) summary.synced += 1;
    } catch (err) {
      // A checksum mismatch means the bytes changed on the way: sending again fixes it.
      const refused = err instanceof HttpError && err.code !== "checksum_mismatch" &&
        (REFUSED.has(err.status) || err.status === 409);
      if (!refused) throw err;
      await outbox.photoRefused(store, meta.id, err.status === 409 ? "conflict" : "rejected", err.message);
      summary.failed += 1;
    }
  }

  async function uploadPhotos(summary) {
    const byRecord = new Map();
    for (const p of await outbox.photosToUpload(store)) {
      if (!byRecord.has(p.record_id)) byRecord.set(p.record_id, []);
      byRecord.get(p.record_id).push(p);
    }
    for (const [recordId, photos] of byRecord) {
      await outbox.markSyncing(store, [recordId]); // so the list shows 同步中 while its photos go
      changed();
      try {
        for (const meta of photos) {
          await uploadOne(meta, summary);
          changed();
        }
      } finally {
        await outbox.releaseSyncing(store, [recordId]);
        changed();
      }
    }
  }

  /**
   * One action: its photos, then the POST. Applied (or a replay answered) → 已同步; refused
   * (any 4xx but 401) → 未通过 with the server's reasons; anything else (offline, 5xx, a
   * portal's page) throws, so the action stays pending and the run retries on the backoff,
   * later actions waiting behind it.
   */
  async function sendAction(rec, summary) {
    for (const meta of await actions.actionPhotosToUpload(store, rec)) {
      await uploadOne(meta, summary);
      changed();
    }
    if ((await store.getRecord(rec.id))?.state !== "syncing") return; // a photo was refused
    let finding;
    try {
      const path = actions.actionPath(rec.body);
      if (path) {
        finding = await api.post(path, actions.actionRequest(rec.body), { idempotencyKey: rec.id });
        if (!finding || typeof finding !== "object" || finding.id === undefined) throw new BadResponseError(200);
      } else {
        finding = await api.findingAction(rec.body.finding_id, actions.actionRequest(rec.body), rec.id);
      }
    } catch (err) {
      if (!(err instanceof HttpError) || err.retryable) throw err;
      if (await actions.actionRefused(store, rec.id, err)) summary.failed += 1;
      return;
    }
    if (await actions.actionApplied(store, rec.id, finding)) {
      summary.pushed += 1;
      summary.synced += 1;
    }
  }

  async function sendActions(sent, summary) {
    for (let rec = await actions.nextAction(store, sent); rec; rec = await actions.nextAction(store, sent)) {
      sent.add(rec.id);
      await outbox.markSyncing(store, [rec.id]);
      changed();
      try {
        await sendAction(rec, summary);
      } finally {
        await outbox.releaseSyncing(store, [rec.id]);
        changed();
      }
    }
  }

  /** One run, under the lock. @returns {Promise<SyncSummary>} */
  async function run() {
    cancelRetry();
    setState("syncing");
    /** @type {SyncSummary} */
    const summary = { pushed: 0, uploaded: 0, synced: 0, failed: 0 };
    try {
      const device = deviceId ?? (await ensureDeviceId(store));
      await outbox.recoverInterrupted(store);
      const sent = new Set();
      for (let round = 0; round < MAX_ROUNDS; round += 1) {
        await pushRecords(device, sent, summary);
        await uploadPhotos(summary);
        await sendActions(sent, summary);
        const more = (await outbox.pendingBatch(store, 1, sent)).length || (await actions.nextAction(store, sent));
        if (!more) break;
      }
      backoff.reset();
      lastError = null;
      await store.setMeta("last_sync_at", new Date(now()).toISOString());
      setState("idle");
    } catch (err) {
      summary.error = err?.message || "同步失败";
      summary.errorName = err?.name ?? "Error";
      lastError = err;
      if (err instanceof AuthError) {
        setState("auth"); // nothing is lost; the next login's syncNow() resumes
      } else {
        scheduleRetry();
        setState("waiting");
      }
    }
    return summary;
  }

  /**
   * Sync now, unless a sync is already running here or in another tab.
   * @returns {Promise<SyncSummary>}
   */
  async function syncNow() {
    if (running) return { skipped: true };
    running = true; // set before any await: two calls in one tick must not both pass
    let ran = false;
    const underLock = (lock) => {
      if (!lock) return { skipped: true };
      ran = true;
      return run();
    };
    try {
      return await lockManager.request(lockName, { ifAvailable: true }, underLock);
    } catch (err) {
      // run() never throws, so this is the lock manager failing (e.g. a sandboxed frame):
      // the in-page lock still keeps this page to one run at a time.
      if (ran || lockManager === pageLocks) throw err;
      return pageLocks.request(lockName, { ifAvailable: true }, underLock);
    } finally {
      running = false;
    }
  }

  const trigger = () => {
    if (state !== "auth") syncNow().catch((err) => console.error(err));
  };
  const onOnline = trigger;
  const onVisible = () => {
    if (doc?.visibilityState === "visible") trigger();
  };

  return {
    syncNow,

    /** Sync now, and again when back online, when shown, and on the backoff after a failure. */
    start() {
      if (started) return Promise.resolve({ skipped: true });
      started = true;
      win?.addEventListener?.("online", onOnline);
      doc?.addEventListener?.("visibilitychange", onVisible);
      return syncNow();
    },

    stop() {
      started = false;
      win?.removeEventListener?.("online", onOnline);
      doc?.removeEventListener?.("visibilitychange", onVisible);
      cancelRetry();
    },

    /** @returns {SyncState} */
    get state() {
      return state;
    },
    get lastError() {
      return lastError;
    },
    /** When the next automatic retry is due (ms since epoch), or null. */
    get nextRetryAt() {
      return nextRetryAt;
    },
  };
}
