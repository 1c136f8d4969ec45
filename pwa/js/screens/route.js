/** Today's route: the points allocated for today (日督导) in walking order, then the other points
 * nearest next, on a map with the inspector's position. */
import { localDay } from "../clock.js";
import { drawRouteMap } from "../map.js";
import { refreshOpenFindings } from "../open-findings.js";
import { loadAllocation, loadReference, orderRoute, typeName } from "../refdata.js";
import { distanceM, fillInChunks, formatDistance, h, nextFrame, render } from "../ui.js";
import { judgeAccuracy } from "../geo.js";
import { walkingOrder } from "../walk.js";

/** The router starts following the position when this screen opens. */
export const usesPosition = true;

let mapHandle = null;
let state = null;

/** Points inspected today on this phone (any record state). */
async function visitedToday(store) {
  const today = localDay();
  const recs = await store.listRecords({});
  return new Set(recs.filter((r) => r.kind === "inspection" && r.body.point_id &&
    localDay(new Date(r.body.started_at)) === today).map((r) => r.body.point_id));
}

/** The allocated points in walking order from the allocation's first point (not from the phone). */
function allocatedInOrder(points, pointIds) {
  const byId = new Map(points.map((p) => [p.properties.id, p]));
  const stops = pointIds.filter((id) => byId.has(id)).map((id) => {
    const p = byId.get(id);
    return { id, lat: p.geometry.coordinates[1], lon: p.geometry.coordinates[0], p };
  });
  return walkingOrder(stops).map((s) => s.p);
}

function pointItem(p, fix, seq) {
  const [lon, lat] = p.geometry.coordinates;
  const done = state.visited.has(p.properties.id);
  return h("li", {}, h("a", { href: `#/inspect/point/${p.properties.id}`, dataset: { point: p.properties.id } },
    h("span", {},
      h("span", { class: "name" }, `${seq ? `${seq}. ` : ""}${done ? "✓ " : ""}${p.properties.name}`), h("br"),
      h("span", { class: "tag" }, typeName(p.properties.location_type)),
      done ? h("span", { class: "tag" }, "今日已查") : null),
    h("span", { class: "dist" }, fix ? formatDistance(distanceM(fix.lat, fix.lon, lat, lon)) : "")));
}

/** The points not allocated today, in the order to show them from this fix. */
function otherPoints(fix) {
  const allocated = new Set(state.allocated.map((p) => p.properties.id));
  const others = state.points.filter((p) => !allocated.has(p.properties.id));
  return orderRoute(others, fix, state.visited, distanceM);
}

const orderOf = (points) => points.map((p) => p.properties.id).join();

/** Metres the phone must move before the list is re-ordered and its distances redrawn. */
const REDRAW_AFTER_M = 10;

function renderList(ctx, others = otherPoints(ctx.geo.best())) {
  const fix = ctx.geo.best();
  state.drawnAt = fix;
  state.order = orderOf(others);
  // Each point with its list item: a later fix only rewrites the distances (attached or queued).
  state.shown = [...state.allocated.map((p, i) => [p, pointItem(p, fix, i + 1)]),
    ...others.map((p) => [p, pointItem(p, fix, 0)])];
  const list = document.getElementById("route-list");
  if (list) fillInChunks(list, state.shown.slice(state.allocated.length).map(([, li]) => li));
  const mine = document.getElementById("route-allocated");
  if (mine) mine.replaceChildren(...state.shown.slice(0, state.allocated.length).map(([, li]) => li));
  showGpsStatus(ctx);
}

function showGpsStatus(ctx) {
  const gps = document.getElementById("gps-status");
  if (!gps) return;
  const judged = judgeAccuracy(ctx.geo.best()?.accuracy);
  gps.className = `gps ${judged.level}`;
  gps.textContent = ctx.geo.status === "denied" ? "未获得定位权限：请在浏览器设置中允许定位" : judged.text;
}

/** A new fix: nothing but the status line unless the phone moved; then only the distances,
 * unless the nearest-next order changed (a cheap phone gets a fix every second or so). */
function onFix(ctx) {
  const fix = ctx.geo.best();
  const last = state.drawnAt;
  showGpsStatus(ctx);
  if (fix && last && distanceM(fix.lat, fix.lon, last.lat, last.lon) < REDRAW_AFTER_M) return;
  const others = otherPoints(fix);
  if (!fix || !last || orderOf(others) !== state.order) {
    renderList(ctx, others);
    return;
  }
  state.drawnAt = fix;
  for (const [p, li] of state.shown) {
    const [lon, lat] = p.geometry.coordinates;
    li.querySelector(".dist").textContent = formatDistance(distanceM(fix.lat, fix.lon, lat, lon));
  }
}

export async function show(ctx) {
  const ref = await loadReference(ctx);
  const points = ref.points.filter((p) => ref.checklists[p.properties.location_type]);
  const allocation = await loadAllocation(ctx, localDay());
  state = { points, checklists: ref.checklists, visited: await visitedToday(ctx.store),
            allocated: allocatedInOrder(points, allocation.pointIds) };
  refreshOpenFindings(ctx, allocation.pointIds).catch(() => {}); // for the 仍未整改 hint, offline later
  const types = Object.keys(ref.checklists);
  const hereType = h("select", { id: "here-type", "aria-label": "未登记点位类型" },
    ...types.map((t) => h("option", { value: t }, typeName(t))));
  render(
    h("h1", {}, "今日路线"),
    ref.fresh ? null : h("p", { class: "muted" }, "离线：显示上次同步的点位"),
    h("div", { id: "gps-status", class: "gps" }, "正在定位…"),
    ...mapToggle(ctx),
    h("div", { class: "card" },
      h("label", { for: "here-type" }, "此处（未登记点位）"), hereType,
      h("button", { class: "block", id: "inspect-here", type: "button",
        onclick: () => ctx.go(`#/inspect/here/${hereType.value}`) }, "在此处检查")),
    state.allocated.length ? h("h2", {}, `今日分配（${state.allocated.filter((p) => state.visited.has(p.properties.id)).length}/${state.allocated.length}）`) : null,
    state.allocated.length ? h("ul", { class: "list", id: "route-allocated" }) : null,
    h("h2", {}, state.allocated.length ? `其他点位（${state.points.length - state.allocated.length}）` : `点位（${state.points.length}）`),
    h("ul", { class: "list", id: "route-list" }),
  );
  // The list is built once, in its own task after the page is on screen: on a cheap phone the
  // page and a screenful of list in one go was a long task.
  await nextFrame();
  if (document.getElementById("route-list")) renderList(ctx);
}

/** The map costs Leaflet's start-up (the heaviest work on this screen): drawn only when asked. */
function mapToggle(ctx) {
  const box = h("div", { id: "map", role: "region", "aria-label": "点位地图", hidden: true });
  const button = h("button", { type: "button", id: "show-map", class: "block", "aria-expanded": "false",
    onclick: async () => {
      if (mapHandle) {
        const shown = box.hidden;
        box.hidden = !shown;
        button.setAttribute("aria-expanded", String(shown));
        button.textContent = shown ? "收起地图" : "显示地图";
        return;
      }
      box.hidden = false;
      button.setAttribute("aria-expanded", "true");
      button.textContent = "收起地图";
      try {
        mapHandle = await drawRouteMap(box, {
          tileUrl: ctx.config.tile_url, attribution: ctx.config.tile_attribution,
          points: state.points, visited: state.visited, onPick: (id) => ctx.go(`#/inspect/point/${id}`),
          path: state.allocated,
        });
        mapHandle.setPosition(ctx.geo.best());
      } catch (err) {
        box.textContent = `地图不可用：${err.message}（点位列表仍可使用）`;
      }
    } }, "显示地图");
  return [button, box];
}

export function onPosition(fix, status) {
  mapHandle?.setPosition(fix);
  if (state) onFix({ geo: { best: () => fix, status } });
}

export function leave() {
  mapHandle?.remove();
  mapHandle = null;
}
