/** 点位: every inspection point as a table and on a map; add by clicking the map or at one's own
 * position, move by dragging, retire, and import a spreadsheet after a dry run. */
import { activeTag, adminHead, call, createForm, dataTable, download, pager, progressBar, reportError, upload }
  from "../admin-form.js";
import { loadLeaflet } from "../map.js";
import { compareZh, h, render, toast, TYPE_NAMES } from "../ui.js";

const PER_PAGE = 50;
const COLOURS = { street: "#1f6feb", compound: "#8250df", toilet: "#0a7f5a", market: "#b35900",
  school: "#b3261e", practice_station: "#6e7781", main_road: "#111111" };
const filters = { type: "", unit: "", active: "", q: "" };
let state = null;

const fmt = (x) => Number(x).toFixed(6);

function typeName(code) {
  return state.types.find((t) => t.code === code)?.name || TYPE_NAMES[code] || code;
}

function matches(f) {
  const p = f.properties;
  const q = filters.q.trim().toLowerCase();
  return (!filters.type || p.location_type === filters.type) &&
    (!filters.unit || String(p.community_id) === filters.unit) &&
    (filters.active === "" || String(p.active) === filters.active) &&
    (!q || p.name.toLowerCase().includes(q) || (p.address || "").toLowerCase().includes(q));
}

/** A marker's dot: colour by type, a dashed red ring outside every boundary, faded when retired. */
function dotIcon(L, p) {
  const el = h("div", { class: `pt-dot${p.outside_boundary ? " outside" : ""}${p.active ? "" : " inactive"}`,
    dataset: { point: p.id }, title: p.name });
  el.style.background = COLOURS[p.location_type] || "#333";
  if (p.outside_boundary) el.textContent = "!";
  return L.divIcon({ className: "pt-icon", html: el, iconSize: [22, 22], iconAnchor: [11, 11] });
}

function drawMarkers() {
  const { L, layer } = state;
  if (!layer) return; // the map is still loading; show() draws them once it is there
  layer.clearLayers();
  state.markers = new Map();
  for (const f of state.features.filter(matches)) {
    const p = f.properties;
    const [lon, lat] = f.geometry.coordinates;
    const m = L.marker([lat, lon], { icon: dotIcon(L, p), draggable: true, autoPan: true, title: p.name,
      keyboard: false });
    m.bindTooltip(`${p.name}（${typeName(p.location_type)}，${p.unit_name || "未定"}）${p.outside_boundary ? "——不在任何社区边界内" : ""}`);
    m.on("click", () => openForm(state.features.find((x) => x.properties.id === p.id)));
    m.on("dragend", () => moved(p.id, m, [lat, lon]));
    m.addTo(layer);
    state.markers.set(p.id, m);
  }
}

/** A dragged marker: save its new position at once, offering to put it back. */
async function moved(id, marker, from) {
  const to = marker.getLatLng();
  const f = state.features.find((x) => x.properties.id === id);
  const status = document.getElementById("move-status");
  try {
    const saved = await call(state.ctx, "PATCH", `/api/v1/points/${id}`, { lat: Number(fmt(to.lat)), lon: Number(fmt(to.lng)) });
    replaceFeature(saved);
    status.replaceChildren(
      h("span", {}, `已移动「${f.properties.name}」到 ${fmt(to.lat)}, ${fmt(to.lng)}`,
        saved?.properties?.outside_boundary ? "（注意：新位置不在任何社区边界内）" : ""),
      h("button", { type: "button", class: "small", id: "undo-move", onclick: async () => {
        try {
          replaceFeature(await call(state.ctx, "PATCH", `/api/v1/points/${id}`, { lat: from[0], lon: from[1] }));
          status.replaceChildren(h("span", {}, `已撤销移动「${f.properties.name}」`));
          redraw();
        } catch (err) { reportError(state.ctx, err); }
      } }, "撤销"));
    status.hidden = false;
    redraw();
  } catch (err) {
    marker.setLatLng(from);
    reportError(state.ctx, err);
  }
}

function replaceFeature(feature) {
  if (!feature?.properties) return;
  const i = state.features.findIndex((x) => x.properties.id === feature.properties.id);
  if (i >= 0) state.features[i] = feature; else state.features.push(feature);
}

/** Put a draggable "new point" pin where the form's coordinates are. */
function placeDraft(lat, lon) {
  const { L, map } = state;
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return;
  if (!state.draft) {
    state.draft = L.marker([lat, lon], { draggable: true, zIndexOffset: 1000,
      icon: L.divIcon({ className: "pt-icon", html: h("div", { class: "pt-draft", id: "draft-pin" }, "新"),
        iconSize: [30, 30], iconAnchor: [15, 15] }) }).addTo(map);
    state.draft.on("dragend", () => {
      const at = state.draft.getLatLng();
      setCoords(at.lat, at.lng, false);
    });
  } else {
    state.draft.setLatLng([lat, lon]);
  }
}

function clearDraft() {
  state?.draft?.remove();
  if (state) state.draft = null;
}

/** Fill the open form's coordinates (opening a new-point form when none is open). */
function setCoords(lat, lon, move = true) {
  if (!state.form) openForm(null);
  state.form.fields.lat.input.value = fmt(lat);
  state.form.fields.lon.input.value = fmt(lon);
  if (move) placeDraft(lat, lon);
}

function openForm(feature, reveal = false) {
  const ctx = state.ctx;
  const p = feature?.properties;
  const editing = !!p;
  const [lon, lat] = feature ? feature.geometry.coordinates : [null, null];
  clearDraft();
  const close = () => {
    state.form = null;
    clearDraft();
    document.getElementById("point-form-host")?.replaceChildren(sideHint());
    for (const tr of document.querySelectorAll("#points tr.selected")) tr.classList.remove("selected");
    state?.map?.invalidateSize();
  };
  const form = createForm({
    ctx,
    id: "point-form",
    title: editing ? `编辑点位：${p.name}` : "新增点位",
    note: editing ? "可在地图上拖动点位，或点击地图改填坐标。" : "点击地图可填入该处坐标，也可拖动“新”字图钉微调。",
    submitLabel: editing ? "保存修改" : "新增点位",
    onCancel: close,
    fields: [
      { name: "name", label: "名称", required: true, value: p?.name, placeholder: "如：建设街东段背街" },
      { name: "location_type", label: "类型", type: "select", required: true, value: p?.location_type || "",
        options: [["", "请选择"], ...state.types.filter((t) => t.active !== false || t.code === p?.location_type)
          .map((t) => [t.code, t.name])] },
      { name: "lat", label: "纬度", type: "number", step: "any", required: true, value: lat ?? "" },
      { name: "lon", label: "经度", type: "number", step: "any", required: true, value: lon ?? "" },
      { name: "community_id", label: "所属社区", type: "select", numeric: true, value: p?.community_id ?? "",
        options: [["", "按社区边界自动判定"], ...state.communities.map((c) => [String(c.properties.id), c.properties.name])],
        hint: "不选时按坐标所在的社区边界确定" },
      { name: "address", label: "地址", value: p?.address || "", wide: true },
      ...(editing ? [{ name: "active", label: "启用（停用后不再列入检查路线，已有问题保留）", type: "checkbox",
        value: p.active, wide: true }] : []),
    ],
    async onSubmit(values) {
      const body = { ...values };
      if (body.community_id === null) delete body.community_id;
      const saved = editing
        ? await call(ctx, "PATCH", `/api/v1/points/${p.id}`, body)
        : await ctx.api.post("/api/v1/points", body, { idempotencyKey: crypto.randomUUID() });
      const outside = saved?.properties?.outside_boundary;
      toast(`${editing ? "已保存" : "已新增"}：${values.name}${outside ? "。注意：该点位不在任何社区边界内" : ""}`,
        outside ? "error" : "info");
      close();
      state.highlight = saved?.properties?.id ?? p?.id ?? null;
      state.turnTo = state.highlight;
      await refresh();
    },
  });
  for (const key of ["lat", "lon"]) {
    form.fields[key].input.addEventListener("change", () => {
      const a = Number(form.fields.lat.input.value);
      const b = Number(form.fields.lon.input.value);
      if (form.fields.lat.input.value && form.fields.lon.input.value) placeDraft(a, b);
    });
  }
  state.form = form;
  const host = document.getElementById("point-form-host");
  host.replaceChildren(form.el);
  for (const tr of document.querySelectorAll("#points tr")) {
    tr.classList.toggle("selected", !!p && tr.dataset.point === String(p.id));
  }
  state.map.invalidateSize(); // the form may take a column beside the map
  if (lat !== null) state.map.panTo([lat, lon]);
  form.fields.name.input.focus({ preventScroll: true });
  if (reveal) host.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

/** What the side column says while no point is being edited. */
function sideHint() {
  return h("div", { class: "panel side-hint" },
    h("h3", {}, "操作提示"),
    h("ul", {},
      h("li", {}, "点击地图空白处：在该处新增点位（或改填正在编辑点位的坐标）。"),
      h("li", {}, "点击标记：编辑该点位；拖动标记：移动点位，松手即保存，可撤销。"),
      h("li", {}, "“使用我的位置”：在现场时取本机定位作为坐标。"),
      h("li", {}, "红色虚线圈、带“!”的点位不在任何社区边界内，需指定所属社区或调整边界。")));
}

function locateMe(button) {
  if (!navigator.geolocation) { toast("此浏览器不支持定位", "error"); return; }
  button.disabled = true;
  button.textContent = "正在定位…";
  const done = () => { button.disabled = false; button.textContent = "使用我的位置"; };
  navigator.geolocation.getCurrentPosition((pos) => {
    done();
    const { latitude, longitude, accuracy } = pos.coords;
    setCoords(latitude, longitude);
    state.map.setView([latitude, longitude], Math.max(state.map.getZoom(), 17));
    toast(`已填入当前位置（精度约 ±${Math.round(accuracy)} 米）`);
  }, (err) => {
    done();
    toast(err.code === 1 ? "未获得定位权限：请在浏览器设置中允许本网站定位" : "暂时无法定位，请稍后重试或在地图上点选", "error");
  }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
}

function errorsTable(errors) {
  return dataTable({
    id: "import-errors",
    rows: errors,
    columns: [["行", (e) => (e.row == null ? "—" : `第 ${e.row} 行`)], ["列", (e) => e.field || "—"], ["原因", (e) => e.message]],
  });
}

/** Import: choose a file → dry run → the bad rows or the would-be counts → confirm. */
function importPanel() {
  const ctx = state.ctx;
  const result = h("div", { id: "import-result" });
  const bar = progressBar("");
  bar.el.hidden = true;
  const input = h("input", { type: "file", id: "import-file", accept: ".xlsx,.csv,.geojson,.json" });
  const send = async (file, dryRun) => {
    bar.el.hidden = false;
    bar.set(0, `正在上传 ${file.name}…`);
    result.replaceChildren();
    try {
      const answer = await upload(ctx, `/api/v1/points/import${dryRun ? "?dry_run=1" : ""}`, file, (x) => {
        if (x === null) bar.set(null, dryRun ? "服务器正在检查文件…" : "服务器正在导入…");
        else bar.set(x, `正在上传 ${Math.round(x * 100)}%`);
      });
      bar.el.hidden = true;
      return answer;
    } catch (err) {
      bar.el.hidden = true;
      if (err?.body?.errors?.length) return { ...err.body, refused: err.message };
      throw err;
    }
  };
  const check = async () => {
    const file = input.files[0];
    if (!file) return;
    try {
      const answer = await send(file, true);
      const errors = answer.errors || [];
      if (errors.length) {
        result.replaceChildren(
          h("p", { class: "form-error", id: "import-verdict" },
            `文件中有 ${errors.length} 处错误，未导入任何点位。请修改后重新选择文件：`),
          errorsTable(errors));
        return;
      }
      const confirm = h("button", { type: "button", class: "primary", id: "import-confirm", onclick: async () => {
        confirm.disabled = true;
        try {
          const done = await send(file, false);
          if (done.errors?.length) {
            result.replaceChildren(h("p", { class: "form-error", id: "import-verdict" },
              `${done.refused || "导入失败"}：未导入任何点位。`), errorsTable(done.errors));
            return;
          }
          toast(`导入完成：新增 ${done.created} 个，更新 ${done.updated} 个`);
          result.replaceChildren(h("p", { class: "ok-text", id: "import-verdict" },
            `导入完成：新增 ${done.created} 个，更新 ${done.updated} 个点位。`));
          input.value = "";
          await refresh();
        } catch (err) {
          confirm.disabled = false;
          reportError(ctx, err, result.querySelector(".form-error") || result.appendChild(h("p", { class: "form-error" })));
        }
      } }, "确认导入");
      result.replaceChildren(
        h("p", { class: "ok-text", id: "import-verdict" },
          `检查通过：将新增 ${answer.created} 个、更新 ${answer.updated} 个点位。`),
        h("div", { class: "buttons" }, confirm,
          h("button", { type: "button", onclick: () => { input.value = ""; result.replaceChildren(); } }, "放弃")));
    } catch (err) {
      const box = h("p", { class: "form-error" });
      result.replaceChildren(box);
      reportError(ctx, err, box);
    }
  };
  input.addEventListener("change", check);
  return h("div", { class: "panel", id: "import-panel" },
    h("h3", {}, "批量导入点位"),
    h("p", { class: "muted" }, "支持 Excel（.xlsx，列：名称、类型、纬度、经度、社区）、CSV 和 GeoJSON。",
      "名称与已有点位相同的行会更新该点位，其余新增。选择文件后先检查；只要有一处错误，就不会导入任何一行。"),
    h("div", { class: "buttons" },
      h("label", { class: "filebtn" }, "选择文件", input),
      h("button", { type: "button", class: "small", id: "download-template", onclick: () =>
        download(ctx, "/api/v1/points/template.xlsx", "点位导入模板.xlsx").catch((e) => reportError(ctx, e)) }, "下载模板"),
      h("button", { type: "button", class: "small", onclick: () => document.getElementById("import-host").replaceChildren() },
        "关闭")),
    bar.el, result);
}

function renderTable() {
  const rows = state.features.filter(matches)
    .sort((a, b) => compareZh(a.properties.name, b.properties.name));
  const pages = Math.max(1, Math.ceil(rows.length / PER_PAGE));
  // Just saved: turn to the page holding that point, and mark its row.
  const at = state.turnTo == null ? -1 : rows.findIndex((f) => f.properties.id === state.turnTo);
  if (at >= 0) state.page = Math.floor(at / PER_PAGE) + 1;
  state.turnTo = null;
  state.page = Math.min(state.page, pages);
  const pageRows = rows.slice((state.page - 1) * PER_PAGE, state.page * PER_PAGE);
  const outside = rows.filter((f) => f.properties.outside_boundary).length;
  document.getElementById("points-total").textContent =
    `共 ${rows.length} 个点位${outside ? `，其中 ${outside} 个不在任何社区边界内` : ""}`;
  const focus = (f) => {
    const [lon, lat] = f.geometry.coordinates;
    state.map.setView([lat, lon], Math.max(state.map.getZoom(), 17));
    state.markers.get(f.properties.id)?.openTooltip();
    document.getElementById("pmap").scrollIntoView({ block: "center", behavior: "smooth" });
  };
  document.getElementById("points-table").replaceChildren(
    dataTable({
      id: "points",
      rows: pageRows,
      rowAttrs: (f) => ({ dataset: { point: f.properties.id },
        class: [f.properties.active ? "" : "retired", f.properties.id === state.highlight ? "selected" : ""].join(" ").trim() || null }),
      columns: [
        ["名称", (f) => h("b", {}, f.properties.name)],
        ["类型", (f) => typeName(f.properties.location_type)],
        ["所属单位", (f) => f.properties.unit_name || "—"],
        ["地址", (f) => h("span", { class: "wrap" }, f.properties.address || "—")],
        ["坐标", (f) => h("span", { class: "mono" }, `${fmt(f.geometry.coordinates[1])}, ${fmt(f.geometry.coordinates[0])}`)],
        ["状态", (f) => h("span", {}, activeTag(f.properties.active),
          f.properties.outside_boundary ? h("span", { class: "tag warn" }, "边界外") : null)],
        ["操作", (f) => h("span", { class: "row-actions" },
          h("button", { type: "button", class: "small", dataset: { action: "edit" }, onclick: () => openForm(f, true) }, "编辑"),
          h("button", { type: "button", class: "small", dataset: { action: "locate" }, onclick: () => focus(f) }, "地图"),
          h("button", { type: "button", class: "small", dataset: { action: f.properties.active ? "retire" : "restore" },
            onclick: async (e) => {
              e.currentTarget.disabled = true;
              try {
                replaceFeature(await call(state.ctx, "PATCH", `/api/v1/points/${f.properties.id}`, { active: !f.properties.active }));
                toast(`${f.properties.active ? "已停用" : "已启用"}：${f.properties.name}`);
                redraw();
              } catch (err) { reportError(state.ctx, err); }
            } }, f.properties.active ? "停用" : "启用"))],
      ],
    }),
    pages > 1 ? pager(state.page, pages, (n) => { state.page = n; renderTable(); }, "points-pager") : "");
}

function redraw() {
  drawMarkers();
  renderTable();
}

/** After a filter changed: redraw and bring what is shown into view. */
function refilter() {
  state.page = 1;
  redraw();
  const coords = state.features.filter(matches).map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]]);
  if (coords.length && state.map) state.map.fitBounds(coords, { padding: [24, 24], maxZoom: 17 });
}

async function refresh() {
  const data = await state.ctx.api.get("/api/v1/points?all=1");
  if (!state) return;
  state.features = data.features || [];
  redraw();
}

export async function show(ctx) {
  const shownFor = location.hash;
  const [points, units, communities, types] = await Promise.all([
    ctx.api.get("/api/v1/points?all=1"),
    ctx.api.get("/api/v1/units").then((r) => r.items),
    ctx.api.get("/api/v1/communities").then((r) => r.features),
    ctx.api.get("/api/v1/location-types").then((r) => r.items)
      .catch(() => Object.entries(TYPE_NAMES).map(([code, name]) => ({ code, name, active: true }))),
  ]);
  if (location.hash !== shownFor) return; // the user moved on while this loaded
  leave();
  state = { ctx, features: points.features || [], units, communities, types, page: 1, form: null, draft: null,
    markers: new Map(), highlight: null };
  const sel = (key, options) => {
    const el = h("select", { id: `pt-${key}`, onchange: () => { filters[key] = el.value; refilter(); } },
      ...options.map(([v, label]) => h("option", { value: v, selected: filters[key] === v }, label)));
    return el;
  };
  let timer = 0;
  const search = h("input", { type: "search", id: "pt-q", value: filters.q, placeholder: "名称或地址",
    oninput: () => {
      clearTimeout(timer);
      timer = setTimeout(() => { filters.q = search.value; refilter(); }, 250);
    } });
  const locate = h("button", { type: "button", id: "use-my-location", onclick: () => locateMe(locate) }, "使用我的位置");
  render(
    ...adminHead("points", "点位", "检查点位决定督导员的路线和问题的派发。点击地图新增点位，拖动标记移动点位；不在任何社区边界内的点位以红色虚线圈和“!”标出，仍可保存。"),
    h("div", { class: "toolbar" },
      h("button", { type: "button", class: "primary", id: "add-point", onclick: () => openForm(null, true) }, "新增点位"),
      locate,
      h("button", { type: "button", id: "open-import", onclick: () => {
        document.getElementById("import-host").replaceChildren(importPanel());
      } }, "批量导入"),
      h("button", { type: "button", id: "export-points", onclick: () =>
        download(ctx, "/api/v1/points/export.xlsx", "点位.xlsx").catch((e) => reportError(ctx, e)) }, "导出 Excel"),
      h("a", { class: "button", href: "#/a/boundaries" }, "社区边界")),
    h("div", { id: "import-host" }),
    h("div", { class: "admin-map-layout" },
      h("div", {},
        h("div", { id: "pmap", class: "admin-map", "aria-label": "点位地图" }),
        h("div", { class: "legend" },
          h("span", {}, h("i", { class: "pt-dot sample" }), "点位（颜色表示类型）"),
          h("span", {}, h("i", { class: "pt-dot sample outside" }, "!"), "不在任何社区边界内"),
          h("span", {}, h("i", { class: "pt-dot sample inactive" }), "已停用"),
          h("span", {}, h("i", { class: "boundary-sample" }), "社区边界")),
        h("div", { id: "move-status", class: "notice", role: "status", hidden: true })),
      h("div", { id: "point-form-host" }, sideHint())),
    h("div", { class: "filters" },
      h("label", {}, "类型", sel("type", [["", "全部"], ...types.map((t) => [t.code, t.name])])),
      h("label", {}, "所属单位", sel("unit", [["", "全部"], ...units.map((u) => [String(u.id), u.name])])),
      h("label", {}, "状态", sel("active", [["", "全部"], ["true", "启用"], ["false", "已停用"]])),
      h("label", {}, "名称", search)),
    h("p", { class: "muted", id: "points-total" }),
    h("div", { id: "points-table" }),
  );
  const L = await loadLeaflet();
  if (!state) return;
  const map = L.map("pmap", { maxZoom: 19, zoomControl: true });
  if (ctx.config.tile_url) {
    // Offline or without a tile source the map stays blank but the points, boundaries and clicks work.
    L.tileLayer(ctx.config.tile_url, { maxZoom: 19, attribution: ctx.config.tile_attribution }).addTo(map);
  }
  for (const c of communities) {
    if (c.geometry) {
      L.geoJSON(c.geometry, { interactive: false, style: { color: "#b22222", weight: 2, fill: true, fillOpacity: 0.03,
        dashArray: "6 4" } }).addTo(map);
    }
  }
  Object.assign(state, { L, map, layer: L.layerGroup().addTo(map) });
  window.__adminMap = map; // for diagnostics and browser tests
  const coords = state.features.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]]);
  if (coords.length) map.fitBounds(coords, { padding: [24, 24], maxZoom: 17 });
  else map.setView([42.972, 126.741], 14);
  map.on("click", (e) => setCoords(e.latlng.lat, e.latlng.lng));
  redraw();
}

export function leave() {
  window.__adminMap = null;
  state?.map?.remove();
  state = null;
}
