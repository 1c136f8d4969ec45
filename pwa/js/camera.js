/** Photos from the camera input: resized on the phone, upright, with time and place kept. */
import { gps, parse } from "../vendor/exifr/mini.esm.js";

const MAX_EDGE = 1600;
const QUALITY = 0.8;
const STALE_MS = 10 * 60 * 1000;

/**
 * @typedef {{bytes: ArrayBuffer, type: string, width: number, height: number, taken_at: string,
 *   lat: number|null, lon: number|null, accuracy: number|null, source: string}} ProcessedPhoto
 */

/** Read what the original still knows before re-encoding drops it (EXIF time and GPS). */
async function readExif(file) {
  try {
    const [tags, where] = await Promise.all([
      parse(file, ["DateTimeOriginal"]).catch(() => null),
      gps(file).catch(() => null),
    ]);
    return { time: tags?.DateTimeOriginal || null, gps: where && Number.isFinite(where.latitude) ? where : null };
  } catch {
    return { time: null, gps: null };
  }
}

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
  const exif = await readExif(file);
  const probe = await createImageBitmap(file, { imageOrientation: "from-image" });
  const size = fitWithin(probe.width, probe.height);
  probe.close();
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image",
    resizeWidth: size.width, resizeHeight: size.height, resizeQuality: "high" });
  const canvas = new OffscreenCanvas(size.width, size.height);
  canvas.getContext("2d").drawImage(bitmap, 0, 0);
  bitmap.close();
  const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: QUALITY });
  const bytes = await blob.arrayBuffer();
  // The device's position at capture is primary (browsers strip GPS from picked photos).
  let where = { lat: null, lon: null, accuracy: null, source: "none" };
  if (position) where = { lat: position.lat, lon: position.lon, accuracy: position.accuracy, source: "device" };
  else if (exif.gps) where = { lat: exif.gps.latitude, lon: exif.gps.longitude, accuracy: null, source: "exif" };
  let takenAt = isoNow();
  if (exif.time instanceof Date && Date.now() - exif.time.getTime() > STALE_MS) {
    takenAt = isoNow(exif.time); // picked from the gallery: the photo is older than now
  }
  return { bytes, type: "image/jpeg", width: size.width, height: size.height, taken_at: takenAt, ...where };
}

/** Is there room for another photo? Refuse before saving rather than harm what is saved. */
export async function storageRoom(estimate) {
  const e = await estimate();
  if (!e || !e.quota) return { ok: true, usage: null, quota: null };
  const free = e.quota - e.usage;
  return { ok: free > 30 * 1024 * 1024 && e.usage / e.quota < 0.95, usage: e.usage, quota: e.quota };
}
