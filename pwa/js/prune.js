/** Uploaded photos leave the phone after a week: the server holds them, the phone keeps a
 * thumbnail for the record list. Storage on a phone is small and the outbox must never fill it. */

export const KEEP_DAYS = 7;
const DAY_MS = 24 * 3600 * 1000;

/**
 * Drop the bytes of photos uploaded more than keepDays ago.
 * @param {import("./db.js").Store} store
 * @param {{now?: number, keepDays?: number,
 *          makeThumb?: (bytes: ArrayBuffer, type: string) => Promise<ArrayBuffer>}} [options]
 *   makeThumb: for photos saved before thumbnails were kept (none in Node)
 * @returns {Promise<number>} how many photos were pruned
 */
export async function prunePhotos(store, { now = Date.now(), keepDays = KEEP_DAYS, makeThumb } = {}) {
  const cutoff = now - keepDays * DAY_MS;
  let pruned = 0;
  for (const meta of await store.photosByState("uploaded")) {
    if (meta.pruned_at || !meta.uploaded_at || Date.parse(meta.uploaded_at) > cutoff) continue;
    let thumb = meta.thumb;
    if (!thumb && makeThumb) {
      const photo = await store.getPhoto(meta.id);
      if (photo?.bytes) thumb = await makeThumb(photo.bytes, photo.type).catch(() => undefined);
    }
    if (await store.dropPhotoBytes(meta.id, { thumb, pruned_at: new Date(now).toISOString() })) pruned += 1;
  }
  return pruned;
}
