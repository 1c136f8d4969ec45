/** Open findings kept on the phone, so that recording a failure shows the problem already open
 * for that item at that point (offline too). The copy may be stale: the server decides whether
 * the failure joins it ("仍未整改") or opens a new one. */
import { localDay } from "./clock.js";
import { h } from "./ui.js";
import { metres } from "./walk.js";

export const OPEN_STATUSES = ["unassigned", "assigned", "returned", "replied", "rectified"];
const CACHE_KEY = "open-findings";
const PAGE = 200;
const MAX_PAGES = 25;
const PREFETCH_THUMBS = 120;
export const HERE_RADIUS_M = 30; // the server's RESIGHT_RADIUS_M default

/** The few fields the hint needs. */
function compact(f) {
  const before = (f.photos || []).find((p) => p.stage === "before");
  return { id: f.id, code: f.code, status: f.status, point_id: f.point_id, item_code: f.item_code,
    lat: f.lat, lon: f.lon, found_at: f.found_at, thumb_url: before ? before.thumb_url : null };
}

/**
 * Fetch every open finding and keep the compact copy; prefetch the before-photo thumbnails of
 * those at the given points (the service worker keeps photos the phone has fetched).
 * @returns {Promise<boolean>} whether the copy was refreshed
 */
export async function refreshOpenFindings(ctx, pointIds = []) {
  const items = [];
  try {
    for (let page = 1; page <= MAX_PAGES; page += 1) {
      const data = await ctx.api.get(`/api/v1/findings?status=${OPEN_STATUSES.join(",")}&per_page=${PAGE}&page=${page}`);
      items.push(...data.items.map(compact));
      if (items.length >= data.total || !data.items.length) break;
    }
  } catch (err) {
    if (err?.name === "AuthError") throw err;
    return false; // offline: keep the last copy
  }
  await ctx.store.putCache(CACHE_KEY, { at: new Date().toISOString(), items });
  const wanted = new Set(pointIds);
  const thumbs = items.filter((f) => f.thumb_url && wanted.has(f.point_id)).slice(0, PREFETCH_THUMBS);
  await Promise.all(thumbs.map((f) => fetch(f.thumb_url, { credentials: "same-origin" }).catch(() => null)));
  return true;
}

/**
 * The open finding a failure of this item here would join, as the server's rule reads: the
 * same point, or for 此处 within the radius; the oldest first.
 * @param {{items: any[]} | undefined} copy
 * @param {{point_id: number|null, lat: number|null, lon: number|null, item_code: string}} where
 */
export function matchOpenFinding(copy, where, radius = HERE_RADIUS_M) {
  const hits = (copy?.items || []).filter((f) => f.item_code === where.item_code && OPEN_STATUSES.includes(f.status) && (
    where.point_id !== null ? f.point_id === where.point_id
      : where.lat !== null && f.lat !== null && metres(where, f) <= radius));
  hits.sort((a, b) => (a.found_at < b.found_at ? -1 : a.found_at > b.found_at ? 1 : 0));
  return hits[0] || null;
}

/** The phone's copy of the open findings (undefined before the first refresh). */
export function loadOpenFindings(store) {
  return store.getCache(CACHE_KEY);
}

/** Whole days between the finding's local date and today. */
export function daysOpen(foundAt, today = localDay()) {
  const found = localDay(new Date(foundAt));
  return Math.max(0, Math.round((Date.parse(today) - Date.parse(found)) / 86400000));
}

/** The hint under a failed item: the open finding this failure will be added to. */
export function openFindingHint(f) {
  const days = daysOpen(f.found_at);
  const rectified = f.status === "rectified";
  return h("div", { class: "card open-finding", role: "note", dataset: { finding: f.id } },
    f.thumb_url ? h("img", { src: f.thumb_url, alt: "整改前照片", class: "thumb", loading: "lazy" }) : null,
    h("div", {},
      h("strong", {}, `已有未销号问题 ${f.code}`),
      h("div", { class: "muted" }, days ? `已 ${days} 天未销号` : "今天发现"),
      h("div", {}, rectified ? "社区已报整改：本次不合格将作为复查不通过（仍未整改）记入该问题"
        : "本次不合格将作为“仍未整改”记入该问题，不另立新问题")));
}
