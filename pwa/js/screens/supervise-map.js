/** The map of open problems: status is the fill, overdue a red ring, clusters show their mix; a
 * legend, filters and a side panel per problem. */
import { loadUnits, unitOptions } from "../units.js";
import { showFindingPanel } from "../finding-panel.js";
import { loadLeaflet } from "../map.js";
import { h, render } from "../ui.js";

const COLOURS = { unassigned: "#6e7781", assigned: "#b35900", returned: "#8250df", replied: "#1f6feb",
  rectified: "#0a7f5a", closed: "#17692f", void: "#555555" };
const LABELS = { unassigned: "待派发", assigned: "待答复", returned: "待改派", replied: "整改中", rectified: "待复查",
  closed: "已销号", void: "已作废" };
const OPEN = ["unassigned", "assigned", "returned", "replied", "rectified"];
let state = null;

/** Load the marker-cluster plugin after Leaflet (both served by us, precached). */
async function loadCluster() {
  const L = await loadLeaflet();
  if (L.markerClusterGroup) return L;
  // Relative to this module, so the files come from the same content version as the shell.
  const vendor = (file) => new URL(`../../vendor/markercluster/${file}`, import.meta.url).href;
  for (const file of ["MarkerCluster.css", "MarkerCluster.Default.css"]) {
    document.head.append(h("link", { rel: "stylesheet", href: vendor(file) }));
  }
  await new Promise((resolve, reject) => {
    const s = h("script", { src: vendor("leaflet.markercluster.js") });
    s.onload = resolve;
    s.onerror = () => reject(new Error("聚合组件加载失败"));
    document.head.append(s);
  });
  return L;
}

/** The fill a finding is drawn in: its status (overdue is a ring around it, not a colour). */
export function colourOf(p) {
  return COLOURS[p.status] || "#333";
}

/**
 * A cluster's icon: a ring split by status (conic gradient), the count inside, and the overdue
 * count on a red badge, so one late problem does not paint a whole district red.
 * @param {Record<string, number>} byStatus @param {number} overdue
 */
export function clusterHtml(byStatus, overdue, size) {
  const entries = Object.entries(byStatus).filter(([, n]) => n > 0)
    .sort(([a], [b]) => Object.keys(COLOURS).indexOf(a) - Object.keys(COLOURS).indexOf(b));
  const total = entries.reduce((sum, [, n]) => sum + n, 0) || 1;
  let at = 0;
  const stops = entries.map(([status, n]) => {
    const from = (at * 100) / total;
    at += n;
    return `${COLOURS[status] || "#333"} ${from.toFixed(1)}% ${((at * 100) / total).toFixed(1)}%`;
  });
  const ring = stops.length ? `conic-gradient(${stops.join(", ")})` : "none";
  const mix = entries.map(([status, n]) => `${status}:${n}`).join(",");
  const late = overdue ? `<span class="late-count" title="逾期">${overdue}</span>` : "";
  return `<div class="cluster-dot" data-mix="${mix}" style="width:${size}px;height:${size}px;background-image:${ring}">`
    + `<span class="count">${total}</span>${late}</div>`;
}

/** What a cluster holds, for its tooltip: 3 个问题：待答复 2、待复查 1；逾期 1. */
function mixText(byStatus, overdue) {
  const parts = Object.entries(byStatus).filter(([, n]) => n > 0).map(([s, n]) => `${LABELS[s] || s} ${n}`);
  const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
  return `${total} 个问题：${parts.join("、")}${overdue ? `；逾期 ${overdue}` : ""}`;
}

/** The legend: each status's fill, the overdue ring, and how a cluster reads. */
function legend() {
  return h("ul", { class: "legend", id: "map-legend", "aria-label": "图例" },
    ...OPEN.map((s) => h("li", { dataset: { status: s } },
      h("span", { class: "swatch", style: `background:${COLOURS[s]}` }), LABELS[s])),
    h("li", { dataset: { status: "overdue" } }, h("span", { class: "swatch ring" }), "红圈：逾期"),
    h("li", {}, h("span", { class: "swatch mix" }), "环形：汇总，按状态分色，红标为逾期数"));
}

function query() {
  const f = state.filters;
  const b = state.map.getBounds();
  const params = new URLSearchParams({
    bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(6)).join(","),
    zoom: String(state.map.getZoom()),
  });
  for (const key of ["status", "community_id", "location_type", "item_code", "from", "to"]) if (f[key]) params.set(key, f[key]);
  if (f.overdue) params.set("overdue", "true");
  return params;
}

async function reload() {
  if (!state) return; // the screen was left before the map settled
  const mine = state;
  const seq = ++mine.seq;
  const data = await mine.ctx.api.get(`/api/v1/map/findings?${query()}`);
  if (state !== mine || seq !== state.seq) return; // left, or a newer view answered first
  const L = state.L;
  state.layer.clearLayers();
  state.clusters.clearLayers();
  const markers = [];
  for (const feat of data.features) {
    const [lon, lat] = feat.geometry.coordinates;
    const p = feat.properties;
    if (p.cluster) {
      const size = Math.min(64, 30 + Math.log2(p.count) * 6);
      L.marker([lat, lon], { icon: L.divIcon({ className: "", iconSize: [size, size],
        html: clusterHtml(p.by_status || {}, p.overdue_count, size) }) })
        .on("click", () => state.map.setView([lat, lon], Math.min(state.map.getZoom() + 2, 18)))
        .bindTooltip(mixText(p.by_status || {}, p.overdue_count))
        .addTo(state.clusters);
    } else {
      const m = L.marker([lat, lon], { overdue: p.overdue, status: p.status, icon: L.divIcon({ className: "", iconSize: [18, 18],
        html: `<div class="marker-dot${p.overdue ? " late" : ""}" data-finding="${p.id}" style="background:${colourOf(p)}"></div>` }) });
      m.bindTooltip(`${p.code} ${LABELS[p.status] || ""}${p.overdue ? "·逾期" : ""} ${p.item_text || ""}`);
      m.on("click", () => select(p.id));
      markers.push(m);
    }
  }
  state.layer.addLayers(markers);
  document.getElementById("map-meta").textContent =
    `共 ${data.meta?.total ?? data.features.length} 个问题${data.meta?.clustered ? "（已按区域汇总，放大查看详情）" : ""}`;
}

async function select(id) {
  const side = document.getElementById("side");
  side.replaceChildren(h("p", { class: "loading" }, "正在加载…"));
  await showFindingPanel(state.ctx, side, id);
  side.scrollIntoView({ behavior: "smooth", block: "start" });
}

function filterBar(ctx, checklists, units, types) {
  const f = state.filters;
  const sel = (key, options) => {
    const el = h("select", { id: `m-${key}`, onchange: () => { f[key] = el.value; reload(); } },
      ...options.map(([v, label]) => h("option", { value: v, selected: f[key] === v }, label)));
    return el;
  };
  const date = (key) => {
    const el = h("input", { type: "date", id: `m-${key}`, onchange: () => { f[key] = el.value; reload(); } });
    return el;
  };
  const unitSelect = (list) => {
    const el = h("select", { id: "m-community_id", onchange: () => { f.community_id = el.value; reload(); } },
      ...unitOptions(list, ["", "全部"], f.community_id || ""));
    return el;
  };
  const items = Object.values(checklists).flat();
  return h("div", { class: "filters" },
    h("label", {}, "责任单位", unitSelect(units)),
    h("label", {}, "类型", sel("location_type", [["", "全部"], ...types.map((t) => [t.code, t.name])])),
    h("label", {}, "条目", sel("item_code", [["", "全部"], ...items.map((i) => [i.code, i.text.slice(0, 18)])])),
    h("label", {}, "状态", sel("status", [["", "全部未销号"], ["unassigned", "待派发"], ["assigned", "待答复"],
      ["returned", "待改派"], ["replied", "整改中"], ["rectified", "待复查"], ["closed", "已销号"]])),
    h("label", {}, "逾期", sel("overdue", [["", "全部"], ["1", "仅逾期"]])),
    h("label", {}, "发现自", date("from")), h("label", {}, "至", date("to")));
}

export async function show(ctx) {
  const [checklists, communities, units, types] = await Promise.all([
    ctx.api.get("/api/v1/checklists"), ctx.api.get("/api/v1/communities").then((c) => c.features),
    loadUnits(ctx), ctx.api.get("/api/v1/location-types").then((t) => t.items.filter((x) => x.active))]);
  state = { ctx, filters: {}, seq: 0 };
  render(
    h("div", { class: "toolbar" }, h("h1", {}, "问题地图"),
      h("a", { class: "button", href: "#/s/record", id: "record-link" }, "＋ 录入问题")),
    filterBar(ctx, checklists, units, types),
    h("p", { class: "muted", id: "map-meta" }),
    legend(),
    h("div", { class: "mapwrap" }, h("div", { id: "smap" }),
      h("aside", { id: "side" }, h("p", { class: "muted" }, "点击地图上的问题查看详情、整改前后照片和处理记录"))),
  );
  const L = await loadCluster();
  // Left before the map was drawn (render drops a screen whose hash is gone): nothing to draw into.
  if (!document.getElementById("smap")) { state = null; return; }
  state.L = L;
  const map = L.map("smap", { maxZoom: 19 });
  if (ctx.config.tile_url) L.tileLayer(ctx.config.tile_url, { maxZoom: 19, attribution: ctx.config.tile_attribution }).addTo(map);
  for (const c of communities) {
    if (c.geometry) L.geoJSON(c.geometry, { style: { color: "#b22222", weight: 2, fill: false, dashArray: "6 4" } })
      .bindTooltip(c.properties.name).addTo(map);
  }
  state.map = map;
  window.__supervisionMap = map; // for diagnostics and browser tests
  state.layer = L.markerClusterGroup({
    chunkedLoading: true, maxClusterRadius: 40,
    // A group shows the mix of its statuses and how many are overdue, at every zoom.
    iconCreateFunction: (cluster) => {
      const children = cluster.getAllChildMarkers();
      const byStatus = {};
      for (const m of children) byStatus[m.options.status] = (byStatus[m.options.status] || 0) + 1;
      const late = children.filter((m) => m.options.overdue).length;
      const size = Math.min(56, 32 + Math.log2(children.length) * 5);
      return L.divIcon({ className: "", iconSize: [size, size], html: clusterHtml(byStatus, late, size) });
    },
  }).addTo(map);
  state.clusters = L.layerGroup().addTo(map);
  map.setView([42.972, 126.741], 14);
  map.on("moveend", () => reload().catch((err) => console.error(err)));
  await reload();
}

export function leave() {
  window.__supervisionMap = null;
  state?.map?.remove();
  state = null;
}
