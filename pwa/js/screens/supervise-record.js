/** 录入问题 at the desk: 专题督查, 上级交办 and 群众反映 (the work plan's sources a supervisor
 * records). A place (a registered point, a pin on the map and/or an address), a checklist item or
 * the problem in words, a note, photos, the source and, optionally, the responsible unit; the
 * server assigns the rest as for a phone's finding and the same lifecycle follows. */
import { processPhoto } from "../camera.js";
import { loadLeaflet } from "../map.js";
import { loadUnits, unitOptions } from "../units.js";
import { h, isoNow, render, toast } from "../ui.js";

export const DESK_SOURCES = [["thematic", "专题督查"], ["assigned", "上级交办"], ["public", "群众反映"]];
const OTHER = "";  // the item picker's "not in the checklist" choice
let state = null;

function field(label, input, hint) {
  return h("label", {}, label, input, hint ? h("span", { class: "muted small hint" }, hint) : null);
}

/** Draw the picking map: points as small circles, a click drops the pin. */
async function drawPicker(el, points, onPin, onPoint) {
  const L = await loadLeaflet();
  if (!el.isConnected) return null;
  const map = L.map(el, { maxZoom: 19 });
  const tile = state.ctx.config?.tile_url;
  if (tile) L.tileLayer(tile, { maxZoom: 19, attribution: state.ctx.config.tile_attribution }).addTo(map);
  for (const p of points) {
    const [lon, lat] = p.geometry.coordinates;
    L.circleMarker([lat, lon], { radius: 6, weight: 2, color: "#fff", fillColor: "#1f3b73", fillOpacity: 0.9 })
      .bindTooltip(p.properties.name).on("click", (e) => { L.DomEvent.stopPropagation(e); onPoint(p.properties.id); }).addTo(map);
  }
  map.setView([42.972, 126.741], 14);
  window.__recordMap = map; // for diagnostics and browser tests
  map.on("click", (e) => onPin(e.latlng.lat, e.latlng.lng));
  const pin = L.marker([0, 0], { icon: L.divIcon({ className: "", iconSize: [22, 22], html: '<div class="finding-pin"></div>' }) });
  return {
    map,
    show(lat, lon) {
      pin.setLatLng([lat, lon]);
      if (!map.hasLayer(pin)) pin.addTo(map);
      map.setView([lat, lon], Math.max(map.getZoom(), 16));
    },
    hide() { if (map.hasLayer(pin)) pin.remove(); },
  };
}

export async function show(ctx) {
  const [checklists, pointsFc, units, types] = await Promise.all([
    ctx.api.get("/api/v1/checklists"), ctx.api.get("/api/v1/points"), loadUnits(ctx),
    ctx.api.get("/api/v1/location-types").then((t) => t.items.filter((x) => x.active))]);
  const points = pointsFc.features;
  const byId = new Map(points.map((p) => [p.properties.id, p]));
  const names = new Map(units.map((u) => [u.id, u.name]));
  state = { ctx, pos: null, photos: [], picker: null };

  const source = h("select", { name: "source", id: "r-source", required: true },
    h("option", { value: "" }, "请选择问题来源"), ...DESK_SOURCES.map(([v, label]) => h("option", { value: v }, label)));
  const groups = new Map();
  for (const p of points) {
    const key = names.get(p.properties.community_id) || "其他";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(p);
  }
  const point = h("select", { name: "point_id", id: "r-point", onchange: () => pickPoint(point.value ? Number(point.value) : null) },
    h("option", { value: "" }, "不是登记点位（在地图上标出或填写地址）"),
    ...[...groups].map(([label, list]) => h("optgroup", { label }, ...list.map((p) =>
      h("option", { value: String(p.properties.id) }, p.properties.name)))));
  const type = h("select", { name: "location_type", id: "r-type", onchange: () => fillItems() },
    ...types.map((t) => h("option", { value: t.code }, t.name)));
  const item = h("select", { name: "item_code", id: "r-item", onchange: () => { words.required = item.value === OTHER; } });
  const words = h("input", { name: "text", id: "r-text", maxlength: 300, placeholder: "不在测评条目中时，写明问题", required: true });
  const address = h("input", { name: "address", id: "r-address", maxlength: 200, placeholder: "如：建设街与新华路交叉口东侧" });
  const where = h("p", { class: "muted", id: "r-where" }, "未标出位置");
  const note = h("textarea", { name: "note", id: "r-note", maxlength: 2000, placeholder: "来电、来信或交办内容，问题的具体情况" });
  const unit = h("select", { name: "unit_id", id: "r-unit" }, ...unitOptions(units, ["", "不指定（按规则自动派发）"]));
  const found = h("input", { type: "datetime-local", name: "found_at", id: "r-found" });
  const preview = h("div", { class: "photos", id: "r-photos" });
  const files = h("input", { type: "file", accept: "image/*", multiple: true, onchange: () => addPhotos(files) });
  const errors = h("div", { class: "errors", id: "r-errors" });
  const submit = h("button", { class: "primary block", type: "submit" }, "录入并派发");

  function fillItems() {
    const list = (checklists[type.value] || []);
    item.replaceChildren(h("option", { value: OTHER }, "其他（不在测评条目中，填写问题）"),
      ...list.map((i) => h("option", { value: i.code }, i.text)));
    words.required = item.value === OTHER;
  }

  function pickPoint(id) {
    const p = id ? byId.get(id) : null;
    type.disabled = !!p;
    if (p) {
      type.value = p.properties.location_type;
      fillItems();
      const [lon, lat] = p.geometry.coordinates;
      state.pos = null;
      state.picker?.show(lat, lon);
      where.textContent = `登记点位：${p.properties.name}`;
    } else {
      state.picker?.hide();
      where.textContent = state.pos ? `${state.pos.lat.toFixed(6)}, ${state.pos.lon.toFixed(6)}` : "未标出位置";
    }
  }

  function pin(lat, lon) {
    point.value = "";
    type.disabled = false;
    state.pos = { lat, lon };
    state.picker?.show(lat, lon);
    where.textContent = `地图标注：${lat.toFixed(6)}, ${lon.toFixed(6)}`;
  }

  async function addPhotos(input) {
    for (const file of input.files) {
      try {
        const shot = await processPhoto(file, { position: null, isoNow });
        const photo = { id: crypto.randomUUID(), ...shot };
        await ctx.api.putPhoto(photo);
        state.photos.push(photo.id);
        const url = URL.createObjectURL(new Blob([shot.bytes], { type: shot.type }));
        preview.append(h("div", { class: "photo" }, h("img", { src: url, alt: "问题照片" })));
      } catch (err) {
        toast(`照片未能上传：${err?.fields ? Object.values(err.fields).join("；") : err?.message || err}`, "error");
      }
    }
    input.value = "";
  }

  const key = crypto.randomUUID();  // one entry, however often the button is pressed
  const form = h("form", { class: "panel", id: "record-form", novalidate: false, onsubmit: async (event) => {
    event.preventDefault();
    errors.textContent = "";
    const body = { source: source.value, point_id: point.value ? Number(point.value) : null,
      location_type: point.value ? null : type.value, lat: state.pos?.lat ?? null, lon: state.pos?.lon ?? null,
      address: address.value.trim(), item_code: item.value || null, text: words.value.trim(), note: note.value.trim(),
      photo_ids: state.photos, unit_id: unit.value ? Number(unit.value) : null };
    // 发现时间 is entered in Beijing time, as every time on screen reads, whatever the browser's zone.
    if (found.value) body.found_at = `${found.value.length === 16 ? `${found.value}:00` : found.value}+08:00`;
    if (!body.point_id && body.lat === null && !body.address) {
      errors.textContent = "请选择登记点位、在地图上点出位置或填写地址";
      return;
    }
    submit.disabled = true;
    try {
      const f = await ctx.api.post("/api/v1/findings", body, { idempotencyKey: key });
      toast(`已录入 ${f.code}（${f.status === "unassigned" ? "待派发" : `派发至 ${f.unit_name}`}）`);
      ctx.go(`#/finding/${f.id}`);
    } catch (err) {
      if (err?.name === "AuthError") throw err;
      errors.textContent = `未能录入：${err?.fields ? Object.values(err.fields).join("；") : err?.message || err}`;
    } finally {
      submit.disabled = false;
    }
  } },
  h("div", { class: "record-grid" },
    h("div", {},
      field("问题来源", source),
      field("登记点位", point),
      h("div", { id: "r-map", class: "minimap picker", role: "application", "aria-label": "点击地图标出问题位置" }),
      where,
      field("地址", address, "没有登记点位时填写，可与地图标注同时使用")),
    h("div", {},
      field("点位类型", type),
      field("测评条目", item),
      field("问题", words),
      field("问题描述", note),
      field("发现时间", found, "不填则为现在"),
      field("责任单位", unit, "不指定时按 责任分工→点位→边界→最近点位 自动派发，否则待派发"),
      h("label", { class: "filebtn" }, "添加照片", files), preview)),
  errors, submit);

  render(h("p", {}, h("a", { href: "#/s/map", id: "back-link" }, "← 返回问题地图")),
    h("h1", {}, "录入问题（专题督查、上级交办、群众反映）"), form);
  fillItems();
  const el = document.getElementById("r-map");
  if (el) state.picker = await drawPicker(el, points, pin, (id) => { point.value = String(id); pickPoint(id); });
}

export function leave() {
  window.__recordMap = null;
  state?.picker?.map?.remove();
  state = null;
}
