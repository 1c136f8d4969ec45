/** 边界: a community's boundary from a GeoJSON file — previewed over the points, with the points that
 * would change community listed, before it is saved. */
import { adminHead, call, dataTable, reportError } from "../admin-form.js";
import { loadLeaflet } from "../map.js";
import { h, render, toast } from "../ui.js";

let state = null;

/** The geometry to draw from what the file holds (geometry, Feature, or a one-feature collection). */
function geometryOf(json) {
  if (!json || typeof json !== "object") return null;
  if (json.type === "FeatureCollection") return json.features?.length === 1 ? geometryOf(json.features[0]) : null;
  if (json.type === "Feature") return geometryOf(json.geometry);
  return ["Polygon", "MultiPolygon"].includes(json.type) ? json : null;
}

function drawCommunities() {
  const { L, map, communities, id } = state;
  state.base.clearLayers();
  for (const c of communities) {
    if (!c.geometry) continue;
    const mine = c.properties.id === id;
    L.geoJSON(c.geometry, { interactive: false, style: mine
      ? { color: "#b22222", weight: 3, fillOpacity: 0.06 }
      : { color: "#6e7781", weight: 1, dashArray: "4 4", fillOpacity: 0 } }).addTo(state.base);
  }
  const mine = communities.find((c) => c.properties.id === id);
  if (mine?.geometry) map.fitBounds(L.geoJSON(mine.geometry).getBounds(), { padding: [20, 20] });
}

function drawPoints(changed = new Set()) {
  const { L } = state;
  state.dots.clearLayers();
  for (const f of state.points) {
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    const moving = changed.has(p.id);
    L.circleMarker([lat, lon], { radius: moving ? 8 : 5, weight: moving ? 3 : 1,
      color: moving ? "#e36c00" : "#fff", fillColor: p.community_id === state.id ? "#b22222" : "#555", fillOpacity: 0.9,
      className: moving ? "changed-point" : "" })
      .bindTooltip(`${p.name}（${p.unit_name || "未定"}）`).addTo(state.dots);
  }
}

function changesTable(changes) {
  return dataTable({
    id: "boundary-changes",
    rows: changes,
    empty: "没有点位会改变所属社区",
    rowAttrs: (c) => ({ dataset: { point: c.point_id } }),
    columns: [
      ["点位", (c) => h("b", {}, c.name)],
      ["原属社区", (c) => c.from_name || "无（边界外）"],
      ["改属社区", (c) => c.to_name || "无（边界外）"],
    ],
  });
}

async function preview(file) {
  const { ctx } = state;
  const out = document.getElementById("boundary-preview");
  const box = h("p", { class: "form-error", role: "alert" });
  out.replaceChildren(h("p", { class: "muted" }, "正在检查…"));
  state.preview?.remove();
  state.preview = null;
  drawPoints();
  let json;
  try {
    json = JSON.parse(await file.text());
  } catch {
    box.textContent = "文件不是有效的 GeoJSON（无法解析 JSON）";
    out.replaceChildren(box);
    return;
  }
  const geometry = geometryOf(json);
  if (!geometry) {
    box.textContent = "文件须包含一个面（Polygon 或 MultiPolygon），或只含一个面要素的 FeatureCollection";
    out.replaceChildren(box);
    return;
  }
  let answer;
  try {
    answer = await call(ctx, "PUT", `/api/v1/communities/${state.id}/boundary?dry_run=1`, json);
  } catch (err) {
    const detail = err?.fields ? Object.values(err.fields).join("；") : "";
    out.replaceChildren(box);
    reportError(ctx, err, box);
    if (detail) box.textContent = `${box.textContent}：${detail}`;
    return;
  }
  state.preview = state.L.geoJSON(geometry, { interactive: false,
    style: { color: "#1f6feb", weight: 3, dashArray: "8 5", fillColor: "#1f6feb", fillOpacity: 0.12 } }).addTo(state.map);
  state.map.fitBounds(state.preview.getBounds(), { padding: [20, 20] });
  const changes = answer.changes || [];
  drawPoints(new Set(changes.map((c) => c.point_id)));
  const name = state.communities.find((c) => c.properties.id === state.id)?.properties.name || "";
  const save = h("button", { type: "button", class: "primary", id: "save-boundary", onclick: async () => {
    save.disabled = true;
    try {
      const done = await call(ctx, "PUT", `/api/v1/communities/${state.id}/boundary`, json);
      toast(`已保存${name}的边界${done?.changes?.length ? `，${done.changes.length} 个点位改属` : ""}`);
      await show(ctx, String(state.id));
    } catch (err) {
      save.disabled = false;
      const errBox = h("p", { class: "form-error", role: "alert" });
      out.append(errBox);
      reportError(ctx, err, errBox);
    }
  } }, "保存边界");
  out.replaceChildren(
    h("p", { class: "ok-text", id: "boundary-verdict" }, `预览：蓝色虚线为新边界。`,
      changes.length ? `保存后有 ${changes.length} 个点位将改变所属社区（地图上以橙色圈标出）：` : "保存后没有点位改变所属社区。"),
    changes.length ? changesTable(changes) : null,
    h("div", { class: "buttons" }, save,
      h("button", { type: "button", onclick: () => show(ctx, String(state.id)) }, "放弃")));
}

export async function show(ctx, id) {
  const shownFor = location.hash;
  const [communities, points] = await Promise.all([
    ctx.api.get("/api/v1/communities").then((r) => r.features),
    ctx.api.get("/api/v1/points?all=1").then((r) => r.features || []),
  ]);
  if (location.hash !== shownFor) return; // the user moved on while this loaded
  leave();
  const chosen = communities.find((c) => String(c.properties.id) === String(id)) || communities[0];
  state = { ctx, communities, points, id: chosen?.properties.id ?? null, preview: null };
  const select = h("select", { id: "b-community", onchange: () => ctx.go(`#/a/boundaries/${select.value}`) },
    ...communities.map((c) => h("option", { value: c.properties.id, selected: c.properties.id === state.id },
      `${c.properties.name}${c.geometry ? "" : "（未设置边界）"}`)));
  const file = h("input", { type: "file", id: "boundary-file", accept: ".geojson,.json,application/geo+json,application/json",
    onchange: () => file.files[0] && preview(file.files[0]) });
  const current = chosen?.geometry;
  render(
    ...adminHead("boundaries", "社区边界", "边界决定不在登记点位上发现的问题派给哪个社区，也决定新点位默认属于哪个社区。可在 geojson.io、QGIS 等工具中绘制后导出 GeoJSON 文件上传；保存前先预览。"),
    communities.length ? null : h("p", { class: "form-error" }, "还没有社区类型的单位：请先在“单位”中新增社区。"),
    h("div", { class: "toolbar" },
      h("label", { class: "inline-label" }, "社区", select),
      h("label", { class: "filebtn" }, "上传 GeoJSON 边界", file),
      current ? h("button", { type: "button", class: "small", id: "download-boundary", onclick: () => {
        const blob = new Blob([JSON.stringify({ type: "Feature", properties: { name: chosen.properties.name },
          geometry: current })], { type: "application/geo+json" });
        const a = h("a", { href: URL.createObjectURL(blob), download: `${chosen.properties.name}边界.geojson` });
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 30000);
      } }, "下载当前边界") : null),
    h("p", { class: "muted", id: "boundary-status" }, current
      ? `红色实线为${chosen.properties.name}现有边界${chosen.properties.demo ? "（演示用边界，请替换为正式边界）" : ""}；灰色虚线为其他社区。`
      : `${chosen?.properties.name || ""}尚未设置边界。`),
    h("div", { class: "admin-map-layout wide-side" },
      h("div", { id: "bmap", class: "admin-map", "aria-label": "边界地图" }),
      h("div", { id: "boundary-preview" }, h("div", { class: "panel side-hint" },
        h("h3", {}, "上传步骤"),
        h("ol", {},
          h("li", {}, "选择社区。"),
          h("li", {}, "上传该社区边界的 GeoJSON 文件（一个面：Polygon 或 MultiPolygon）。"),
          h("li", {}, "核对地图上的蓝色虚线和将改变所属社区的点位。"),
          h("li", {}, "点击“保存边界”，列出的点位随之改属新社区。"))))),
  );
  const L = await loadLeaflet();
  if (!state) return;
  const map = L.map("bmap", { maxZoom: 19 });
  if (ctx.config.tile_url) L.tileLayer(ctx.config.tile_url, { maxZoom: 19, attribution: ctx.config.tile_attribution }).addTo(map);
  Object.assign(state, { L, map, base: L.layerGroup().addTo(map), dots: L.layerGroup().addTo(map) });
  window.__boundaryMap = map; // for diagnostics and browser tests
  const coords = points.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]]);
  if (coords.length) map.fitBounds(coords, { padding: [20, 20] });
  else map.setView([42.972, 126.741], 14);
  drawCommunities();
  drawPoints();
}

export function leave() {
  window.__boundaryMap = null;
  state?.map?.remove();
  state = null;
}
