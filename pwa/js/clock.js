/**
 * One notion of "today" for the whole product: the server's clock, read in Asia/Shanghai.
 * A phone's clock may be wrong and its zone anything; every API answer carries the server's
 * time (X-Server-Time), the difference is kept (also offline, in localStorage) and every
 * default day, week and month is taken from the corrected clock in Beijing time.
 */
// Beijing time is UTC+8 all year: China has kept no daylight saving time since 1991. A fixed
// offset gives the same days as Intl with timeZone "Asia/Shanghai" for every date this product
// sees, without building an Intl formatter (tens of milliseconds on a cheap phone at start-up).
const BEIJING_OFFSET_MS = 8 * 3600 * 1000;
const KEY = "cc.server_skew_ms";

let skewMs = readSkew();

function readSkew() {
  try {
    const v = Number(globalThis.localStorage?.getItem(KEY));
    return Number.isFinite(v) ? v : 0;
  } catch {
    return 0;
  }
}

/**
 * Learn the server's clock from an answer's X-Server-Time, halfway through the round trip.
 * @param {string|null} serverIso @param {number} sentAt @param {number} [receivedAt]
 */
export function learnServerTime(serverIso, sentAt, receivedAt = Date.now()) {
  const server = serverIso ? Date.parse(serverIso) : NaN;
  if (!Number.isFinite(server)) return;
  skewMs = Math.round(server - (sentAt + receivedAt) / 2);
  try { globalThis.localStorage?.setItem(KEY, String(skewMs)); } catch { /* private mode: memory only */ }
}

/** The server's "now" as this phone best knows it. */
export function serverNow() {
  return new Date(Date.now() + skewMs);
}

/** An instant moved to Beijing time: read it with getUTC…() (or toISOString) for Beijing's
 * calendar and clock, whatever zone the phone or laptop is set to. */
export function inBeijing(instant) {
  const t = instant instanceof Date ? instant.getTime() : new Date(instant).getTime();
  return new Date(t + BEIJING_OFFSET_MS);
}

/** The Beijing-time date of an instant: "2026-12-01". */
export function localDay(instant = serverNow()) {
  return inBeijing(instant).toISOString().slice(0, 10);
}

/** The Beijing-time month of an instant: "2026-12". */
export function localMonth(instant = serverNow()) {
  return localDay(instant).slice(0, 7);
}

/** The ISO week of a calendar date "YYYY-MM-DD", e.g. "2026-W49". */
export function weekOfDay(day) {
  const [y, m, d] = day.split("-").map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  const weekday = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - weekday);
  const week = Math.ceil(((t - Date.UTC(t.getUTCFullYear(), 0, 1)) / 86400000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** The ISO week (Beijing time) of an instant: what /api/v1/reports/weekly takes. */
export function localWeek(instant = serverNow()) {
  return weekOfDay(localDay(instant));
}

/** The calendar day n days after "YYYY-MM-DD" (negative: before). */
export function addDays(day, n) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** A date field's starting value: the given day, or today (Beijing) when that has passed —
 * a planned date may not lie in the past, and an overdue problem's deadline has. */
export function notPast(day) {
  const today = localDay();
  return day && day >= today ? day : today;
}
