/** Position from watchPosition: keep watching, keep the best recent fix, never give up on one error. */

const RECENT_MS = 60_000;
/** How fast an inspector may have walked away from an older fix (m/s): a fix's uncertainty
 * grows by this much per second of age, so a walking phone follows its newest fixes while a
 * much more precise fix of a moment ago still wins over a poor new one. */
const WALK_M_PER_S = 1.5;

/**
 * @typedef {{lat: number, lon: number, accuracy: number, at: number}} Fix
 */

/**
 * Start following the device's position.
 * @param {{geolocation?: Geolocation, now?: () => number, onUpdate?: (fix: Fix|null, status: string) => void}} opts
 */
export function createGeo({ geolocation = globalThis.navigator?.geolocation, now = Date.now, onUpdate = () => {} } = {}) {
  /** @type {Fix[]} */
  let fixes = [];
  let watchId = null;
  let status = geolocation ? "waiting" : "unsupported";

  function best() {
    const t = now();
    const recent = fixes.filter((f) => t - f.at <= RECENT_MS);
    if (!recent.length) return fixes.at(-1) || null;
    const uncertainty = (f) => f.accuracy + ((t - f.at) / 1000) * WALK_M_PER_S;
    // Ties go to the newer fix (fixes are in arrival order).
    return recent.reduce((a, b) => (uncertainty(b) <= uncertainty(a) ? b : a));
  }

  function start() {
    if (!geolocation || watchId !== null) return;
    watchId = geolocation.watchPosition(
      (pos) => {
        fixes.push({ lat: pos.coords.latitude, lon: pos.coords.longitude,
                     accuracy: pos.coords.accuracy, at: now() });
        fixes = fixes.slice(-30);
        status = "ok";
        onUpdate(best(), status);
      },
      (err) => {
        // Chromium may report one transient POSITION_UNAVAILABLE between fixes: keep watching.
        status = err.code === 1 ? "denied" : (fixes.length ? "ok" : "waiting");
        onUpdate(best(), status);
      },
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 },
    );
  }

  function stop() {
    if (watchId !== null && geolocation) geolocation.clearWatch(watchId);
    watchId = null;
  }

  return { start, stop, best, get status() { return status; } };
}

/** How good a fix is, in the words the inspector sees. */
export function judgeAccuracy(accuracy) {
  if (accuracy === null || accuracy === undefined) return { level: "bad", text: "正在定位…" };
  if (accuracy <= 25) return { level: "good", text: `定位精度 ±${Math.round(accuracy)} 米` };
  if (accuracy <= 100) return { level: "warn", text: `定位精度较差 ±${Math.round(accuracy)} 米，可稍候或走到开阔处` };
  return { level: "bad", text: `定位精度很差 ±${Math.round(accuracy)} 米，提交时须说明原因` };
}
