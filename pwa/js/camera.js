/** Photos from the camera input: resized on the phone, upright, with time and place kept. */
import { readOriginal } from "./exif.js";

const MAX_EDGE = 1600;
const THUMB_EDGE = 240; // kept for the record list after the photo's bytes are pruned
const QUALITY = 0.8;
const STALE_MS = 10 * 60 * 1000;
const MAX_TAKEN_AT_MS = 89 * 24 * 3600 * 1000; // the server takes X-Taken-At up to 90 days back

/**
 * @typedef {{bytes: ArrayBuffer, type: string, width: number, height: number, taken_at: string,
 *   lat: number|null, lon: number|null, accuracy: number|null, source: string,
 *   original_checked: true, original_taken_at: string|null, original_lat: number|null,
 *   original_lon: number|null, thumb: ArrayBuffer}} ProcessedPhoto
 *   original_*: the file's own EXIF, read before re-encoding drops it (sent as X-Original-*).
 */

/** Scale so the long edge is at most maxEdge. */
export function fitWithin(width, height, maxEdge = MAX_EDGE) {
  const scale = Math.min(1, maxEdge / Math.max(width, height));
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

/**
 * Resize and re-encode a captured photo.
 * Chrome applies EXIF orientation itself (since 81): imageOrientation "from-image" turns it
 * once; rotating again by the tag would turn it twice.
 * @param {File} file
 * @param {{position: {lat:number, lon:number, accuracy:number}|null, isoNow: () => string}} ctx
 * @returns {Promise<ProcessedPhoto>}
 */
export async function processPhoto(file, { position, isoNow }) {
  const original = await readOriginal(file);
  const probe = await createImageBitmap(file, { imageOrientation: "from-image" });
  const size = fitWithin(probe.width, probe.height);
  probe.close();
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image",
    resizeWidth: size.width, resizeHeight: size.height, resizeQuality: "high" });
  const canvas = new OffscreenCanvas(size.width, size.height);
  canvas.getContext("2d").drawImage(bitmap, 0, 0);
  const thumb = await encodeSmall(bitmap, THUMB_EDGE);
  bitmap.close();
  const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: QUALITY });
  const bytes = await blob.arrayBuffer();
  // The device's position at capture is primary (browsers strip GPS from picked photos).
  let where = { lat: null, lon: null, accuracy: null, source: "none" };
  if (position) where = { lat: position.lat, lon: position.lon, accuracy: position.accuracy, source: "device" };
  else if (original.lat !== null && Math.abs(original.lat) <= 90 && Math.abs(original.lon) <= 180) {
    where = { lat: original.lat, lon: original.lon, accuracy: null, source: "exif" };
  }
  let takenAt = isoNow();
  const age = original.taken ? Date.now() - original.taken.getTime() : 0;
  if (age > STALE_MS && age < MAX_TAKEN_AT_MS) {
    takenAt = isoNow(original.taken); // picked from the gallery: the photo is older than now
  }
  return { bytes, thumb, type: "image/jpeg", width: size.width, height: size.height, taken_at: takenAt, ...where,
    original_checked: original.checked, original_taken_at: original.taken ? isoNow(original.taken) : null,
    original_lat: original.lat, original_lon: original.lon };
}

/** A small JPEG of an (upright) image. @returns {Promise<ArrayBuffer>} */
async function encodeSmall(image, edge) {
  const size = fitWithin(image.width, image.height, edge);
  const canvas = new OffscreenCanvas(size.width, size.height);
  canvas.getContext("2d").drawImage(image, 0, 0, size.width, size.height);
  return (await canvas.convertToBlob({ type: "image/jpeg", quality: 0.7 })).arrayBuffer();
}

/** A thumbnail of stored photo bytes (for photos saved before thumbnails were kept). */
export async function thumbnailOf(bytes, type) {
  const bitmap = await createImageBitmap(new Blob([bytes], { type }));
  try {
    return await encodeSmall(bitmap, THUMB_EDGE);
  } finally {
    bitmap.close();
  }
}

/** Is there room for another photo? Refuse before saving rather than harm what is saved. */
export async function storageRoom(estimate) {
  const e = await estimate();
  if (!e || !e.quota) return { ok: true, usage: null, quota: null };
  const free = e.quota - e.usage;
  return { ok: free > 30 * 1024 * 1024 && e.usage / e.quota < 0.95, usage: e.usage, quota: e.quota };
}
