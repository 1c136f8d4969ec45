/** What the original photo file says about itself (capture time, GPS), read before resizing
 * drops it, and what the inspector should be told about it before the photo is used. */
import { distanceM, formatDistance, formatTime } from "./ui.js";

// exifr's mini build has no tag dictionary: parse(file, ["DateTimeOriginal"]) (a pick by
// name) throws "undefined is not iterable". Ask for the EXIF and GPS blocks, read tags by number.
const OPTIONS = { ifd0: false, ifd1: false, exif: true, gps: true, interop: false, makerNote: false,
  userComment: false, xmp: false, icc: false, iptc: false, jfif: false, ihdr: false };
const DATE_TIME_ORIGINAL = 0x9003;
const DATE_TIME_DIGITIZED = 0x9004;
const OFFSET_TIME_ORIGINAL = 0x9011;
const CLOCK_SKEW_MS = 10 * 60 * 1000;

/**
 * @typedef {{checked: true, taken: Date|null, lat: number|null, lon: number|null}} Original
 */

/**
 * An EXIF "YYYY:MM:DD HH:MM:SS" as an instant: with its offset tag ("+08:00") when there is
 * one, else in the phone's own zone (as the camera wrote it). Placeholders and nonsense → null;
 * absurd but real dates (1900, 9999) are kept, so they can be flagged; years before 1000 are not
 * (no four-digit ISO year).
 * @param {unknown} value @param {unknown} [offset]
 * @returns {Date|null}
 */
export function exifTime(value, offset) {
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(String(value ?? "").trim());
  if (!m) return null;
  const [y, mo, d, hh, mi, ss] = m.slice(1).map(Number);
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || ss > 59) return null;
  const probe = new Date(Date.UTC(2000, 0, 1));
  probe.setUTCFullYear(y, mo - 1, d);
  if (probe.getUTCDate() !== d) return null; // 31 February
  const off = /^([+-])(\d{2}):?(\d{2})$/.exec(String(offset ?? "").trim());
  let date;
  if (off) {
    const utc = new Date(Date.UTC(2000, 0, 1, hh, mi, ss));
    utc.setUTCFullYear(y, mo - 1, d);
    const minutes = (off[1] === "-" ? -1 : 1) * (Number(off[2]) * 60 + Number(off[3]));
    date = new Date(utc.getTime() - minutes * 60000);
  } else {
    date = new Date(2000, 0, 1, hh, mi, ss);
    date.setFullYear(y, mo - 1, d);
  }
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * The original's capture time and GPS from exifr's numeric-keyed answer (or null: no EXIF).
 * GPS 0,0 is what cameras write without a fix: none. Out-of-range GPS is kept (it is flagged).
 * @returns {Original}
 */
export function originalFrom(tags) {
  const t = tags && typeof tags === "object" ? tags : {};
  const taken = exifTime(t[DATE_TIME_ORIGINAL], t[OFFSET_TIME_ORIGINAL]) ?? exifTime(t[DATE_TIME_DIGITIZED]);
  let lat = Number.isFinite(t.latitude) ? t.latitude : null;
  let lon = Number.isFinite(t.longitude) ? t.longitude : null;
  if (lat === null || lon === null || (lat === 0 && lon === 0)) lat = lon = null;
  return { checked: true, taken, lat, lon };
}

let exifr = null;

/** exifr, loaded once: not with the inspection screen (its start-up), but when first needed
 * or when the screen is idle (preloadExif). A failed load is tried again next time. */
function loadExifr() {
  exifr ||= import("../vendor/exifr/mini.esm.js").catch((err) => { exifr = null; throw err; });
  return exifr;
}

/** Load exifr once the page is idle, so the first photo taken offline finds it ready. */
export function preloadExif() {
  const idle = globalThis.requestIdleCallback || ((fn) => setTimeout(fn, 1000));
  idle(() => loadExifr().catch(() => {}));
}

/**
 * Read the original file. Damaged or missing EXIF is "no capture time", never an error.
 * @param {Blob} file
 * @returns {Promise<Original>}
 */
export async function readOriginal(file) {
  let parse;
  try {
    ({ parse } = await loadExifr());
  } catch (err) {
    // Not "no capture time" (which flags the photo): the phone could not look, so the upload
    // says nothing about the original (unchecked), like a phone that cannot read EXIF.
    console.warn("exifr could not be loaded", err);
    return { checked: false, taken: null, lat: null, lon: null };
  }
  try {
    return originalFrom(await parse(file, OPTIONS));
  } catch {
    return originalFrom(null);
  }
}

/**
 * What is wrong with a photo as evidence for this record, in Chinese; [] for a fresh capture.
 * Mirrors the server's photo_not_fresh and exif_mismatch.
 * @param {{original_checked?: boolean, original_taken_at?: string|null, original_lat?: number|null,
 *          original_lon?: number|null}} photo
 * @param {{startedAt: string, now: number, place: {lat: number, lon: number}|null,
 *          freshMin: number, farM: number}} record
 * @returns {string[]}
 */
export function photoWarnings(photo, { startedAt, now, place, freshMin, farM }) {
  if (!photo.original_checked) return [];
  const out = [];
  const taken = photo.original_taken_at ? new Date(photo.original_taken_at) : null;
  if (!taken || Number.isNaN(taken.getTime())) {
    out.push("照片没有拍摄时间（可能不是刚用相机拍的）");
  } else if (taken.getTime() > now + CLOCK_SKEW_MS) {
    out.push(`照片的拍摄时间不可信（${formatTime(taken)}）`);
  } else if (taken.getTime() < Date.parse(startedAt) - freshMin * 60000) {
    out.push(`照片拍摄于 ${formatTime(taken)}，早于本次检查开始 ${Math.round(freshMin)} 分钟以上`);
  }
  const { original_lat: lat, original_lon: lon } = photo;
  if (typeof lat === "number" && typeof lon === "number") {
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      out.push("照片里的定位信息无效");
    } else if (place) {
      const d = distanceM(lat, lon, place.lat, place.lon);
      if (d > farM) out.push(`照片拍摄地点距此处约 ${formatDistance(d)}`);
    }
  }
  return out;
}
