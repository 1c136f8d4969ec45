/** An inspection: the checklist of the point's type, photos for failures, GPS with warnings.
 * The draft is written to IndexedDB on every change, so a reload or a killed tab loses nothing. */
import { processPhoto, storageRoom } from "../camera.js";
import { photoWarnings, preloadExif } from "../exif.js";
import { judgeAccuracy } from "../geo.js";
import { createDraft, queue } from "../outbox.js";
import { loadReference, typeName } from "../refdata.js";
import { loadOpenFindings, matchOpenFinding, openFindingHint } from "../open-findings.js";
import { distanceM, fillInChunks, formatDistance, formatTime, h, isoNow, render, toast } from "../ui.js";

/** The router starts following the position when this screen opens. */
export const usesPosition = true;

const REASON_ABOVE_M = 100;
let view = null;

/** Find or create the draft this screen edits. */
async function draftFor(ctx, mode, arg, ref) {
  if (mode === "record") {
    const rec = await ctx.store.getRecord(arg);
    if (!rec) throw new Error("记录不存在");
    return rec;
  }
  const key = mode === "point" ? `draft:point:${arg}` : `draft:here:${arg}`;
  const openId = await ctx.store.getMeta(key);
  const open = openId ? await ctx.store.getRecord(openId) : null;
  if (open && open.state === "draft") return open;
  const point = mode === "point" ? ref.points.find((p) => p.properties.id === Number(arg)) : null;
  if (mode === "point" && !point) throw new Error("点位不存在");
  const rec = await createDraft(ctx.store, {
    kind: "inspection", id: crypto.randomUUID(), point_id: point ? point.properties.id : null,
    location_type: point ? point.properties.location_type : arg, started_at: isoNow(),
    lat: null, lon: null, accuracy_m: null, covert: false, note: "", results: [],
  });
  rec.label = point ? point.properties.name : `此处（${typeName(arg)}）`;
  await ctx.store.putRecord(rec);
  await ctx.store.setMeta(key, rec.id);
  return rec;
}

function resultFor(rec, code) {
  return rec.body.results.find((r) => r.item_code === code);
}

async function save(ctx) {
  view.rec.updated_at = new Date().toISOString();
  await ctx.store.putRecord(view.rec);
}

async function setAnswer(ctx, item, answer) {
  let r = resultFor(view.rec, item.code);
  if (!r) {
    r = { id: crypto.randomUUID(), item_code: item.code, result: answer, note: "", photo_ids: [] };
    view.rec.body.results.push(r);
  }
  r.result = answer;
  await save(ctx);
  redrawItem(ctx, item);
}

/** Where this record is: the device's fix, else the chosen point. */
function placeOf(ctx) {
  const fix = ctx.geo.best();
  if (fix) return { lat: fix.lat, lon: fix.lon };
  if (!view.point) return null;
  const [lon, lat] = view.point.geometry.coordinates;
  return { lat, lon };
}

/**
 * An old, far or timeless photo is not used until the inspector says so: the server will flag
 * it (photo_not_fresh, exif_mismatch). @returns {Promise<boolean>} use it
 */
function confirmPhoto(item, warnings) {
  const box = document.querySelector(`#item-${CSS.escape(item.code)} .photo-check`);
  return new Promise((resolve) => {
    const answer = (ok) => { box.replaceChildren(); box.hidden = true; resolve(ok); };
    box.replaceChildren(
      h("strong", {}, "这张照片可能不是现场刚拍的："),
      h("ul", {}, ...warnings.map((w) => h("li", {}, w))),
      h("p", {}, "仍使用的话，提交后会标记为“照片非现场即时拍摄”或“照片定位与现场不符”，由专班核实。"),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "photo-discard", onclick: () => answer(false) }, "不用这张，重拍"),
        h("button", { type: "button", class: "use-anyway", onclick: () => answer(true) }, "仍然使用")));
    box.hidden = false;
    box.scrollIntoView({ block: "center" });
  });
}

async function addPhoto(ctx, item, file) {
  const room = await storageRoom(() => ctx.store.estimate());
  if (!room.ok) {
    toast("手机存储空间不足，不能再保存新照片。请先同步已有记录或清理手机空间，已保存的记录不受影响。", "error");
    return;
  }
  const fix = ctx.geo.best();
  const shot = await processPhoto(file, { position: fix, isoNow });
  const warnings = photoWarnings(shot, { startedAt: view.rec.body.started_at, now: Date.now(), place: placeOf(ctx),
    freshMin: ctx.config.photo_fresh_min ?? 30, farM: ctx.config.exif_far_m ?? 300 });
  if (warnings.length && !(await confirmPhoto(item, warnings))) return;
  const r = resultFor(view.rec, item.code);
  const photo = { id: crypto.randomUUID(), record_id: view.rec.id, state: "pending", ...shot, warnings };
  r.photo_ids.push(photo.id);
  view.rec.updated_at = new Date().toISOString();
  await ctx.store.saveWithPhotos(view.rec, [photo]);
  view.photos.set(photo.id, photo);
  redrawItem(ctx, item);
}

async function removePhoto(ctx, item, photoId) {
  const r = resultFor(view.rec, item.code);
  r.photo_ids = r.photo_ids.filter((id) => id !== photoId);
  await save(ctx);
  redrawItem(ctx, item);
}

/** A thumbnail with the watermark the server will burn in, previewed. */
function photoTile(ctx, item, photo) {
  const url = URL.createObjectURL(new Blob([photo.bytes], { type: photo.type }));
  const where = photo.lat !== null ? `${photo.lat.toFixed(5)}N ${photo.lon.toFixed(5)}E` +
    (photo.accuracy ? ` ±${Math.round(photo.accuracy)}m` : "") : "无定位";
  return h("div", { class: "photo" },
    h("img", { src: url, alt: "现场照片", onload: () => URL.revokeObjectURL(url) }),
    photo.warnings?.length ? h("span", { class: "warn-tag", title: photo.warnings.join("；") }, "⚠ 非即时拍摄") : null,
    h("div", { class: "mark" }, formatTime(photo.taken_at), h("br"), view.placeName, h("br"), where, h("br"),
      `${ctx.session.user.display_name} ${photo.id.slice(0, 8)}`),
    h("button", { type: "button", "aria-label": "删除照片", onclick: () => removePhoto(ctx, item, photo.id) }, "×"));
}

function itemBody(ctx, item) {
  const r = resultFor(view.rec, item.code);
  const pressed = (v) => String(r?.result === v);
  const choice = (value, label) => h("button", { type: "button", class: value, "aria-pressed": pressed(value),
    onclick: () => setAnswer(ctx, item, value) }, label);
  const parts = [
    h("div", { class: "text" }, item.text, item.photo_required ? "" : h("span", { class: "muted" }, "（可不拍照）")),
    h("div", { class: "choices" }, choice("pass", "合格"), choice("fail", "不合格"), choice("na", "不适用")),
  ];
  const error = view.errors.get(item.code);
  if (r?.result === "fail") {
    const open = openFindingHere(ctx, item);
    if (open) parts.push(openFindingHint(open));
    const note = h("textarea", { "aria-label": "问题描述", placeholder: "问题描述（必填）：在哪里、什么问题" });
    note.value = r.note;
    note.addEventListener("input", async () => { r.note = note.value; await save(ctx); });
    const input = h("input", { type: "file", accept: "image/*", capture: "environment",
      onchange: async () => {
        for (const file of input.files) {
          try { await addPhoto(ctx, item, file); } catch (err) { toast(`照片处理失败：${err.message}`, "error"); }
        }
        input.value = "";
      } });
    parts.push(note, h("div", { class: "photos" },
      ...r.photo_ids.map((id) => view.photos.get(id)).filter(Boolean).map((p) => photoTile(ctx, item, p))),
    h("div", { class: "photo-check card warn", hidden: true, role: "alert" }),
    h("label", { class: "filebtn" }, "拍照", input));
  }
  if (error) parts.push(h("p", { class: "field-error", role: "alert" }, error));
  return parts;
}

/** The open finding a failure of this item would join, from the phone's (maybe stale) copy. */
function openFindingHere(ctx, item) {
  const fix = view.rec.body.point_id ? null : ctx.geo.best();
  return matchOpenFinding(view.openCopy, { point_id: view.rec.body.point_id, item_code: item.code,
    lat: fix ? fix.lat : view.rec.body.lat, lon: fix ? fix.lon : view.rec.body.lon });
}

function redrawItem(ctx, item) {
  const el = document.getElementById(`item-${item.code}`);
  if (el) {
    el.replaceChildren(...itemBody(ctx, item));
    el.classList.toggle("has-error", view.errors.has(item.code));
  }
  updateSummary();
}

function updateSummary() {
  const answered = view.rec.body.results.length;
  const fails = view.rec.body.results.filter((r) => r.result === "fail").length;
  const el = document.getElementById("summary");
  if (el) el.textContent = `已检查 ${answered}/${view.items.length} 项，不合格 ${fails} 项`;
  const rest = unanswered().length;
  const all = document.getElementById("rest-pass");
  if (all) {
    all.disabled = rest === 0;
    all.textContent = rest === view.items.length ? "全部合格" : `其余 ${rest} 项全部合格`;
  }
}

function unanswered() {
  return view.items.filter((item) => !resultFor(view.rec, item.code));
}

/** 其余全部合格: every item not yet answered passes; failures and 不适用 stay as they are. */
async function passTheRest(ctx) {
  const rest = unanswered();
  for (const item of rest) {
    view.rec.body.results.push({ id: crypto.randomUUID(), item_code: item.code, result: "pass", note: "", photo_ids: [] });
  }
  await save(ctx);
  for (const item of rest) redrawItem(ctx, item);
}

function gpsText(ctx) {
  const fix = ctx.geo.best();
  const judged = judgeAccuracy(fix?.accuracy);
  let text = judged.text;
  let level = judged.level;
  if (fix && view.point) {
    const [lon, lat] = view.point.geometry.coordinates;
    const d = distanceM(fix.lat, fix.lon, lat, lon);
    if (d > ctx.config.gps_far_from_point_m) {
      text += `；距所选点位 ${formatDistance(d)}，请确认是否选对点位`;
      level = level === "bad" ? "bad" : "warn";
    }
  }
  if (ctx.geo.status === "denied") return { level: "bad", text: "未获得定位权限：请在浏览器设置中允许定位" };
  return { level, text };
}

export function onPosition() {
  const el = document.getElementById("gps");
  if (!el || !view) return;
  const { level, text } = gpsText(view.ctx);
  el.className = `gps ${level}`;
  el.textContent = text;
  const fix = view.ctx.geo.best();
  document.getElementById("reason-box").hidden = !(fix && fix.accuracy > REASON_ABOVE_M);
}

/** Show each problem beside its field, and the list above the submit button; focus the first. */
function showProblems(ctx, problems) {
  const before = [...view.errors.keys()];
  view.errors = new Map(problems.filter((p) => p.item).map((p) => [p.item.code, p.text]));
  for (const code of new Set([...before, ...view.errors.keys()])) {
    const item = view.items.find((i) => i.code === code);
    if (item) redrawItem(ctx, item);
  }
  const reasonError = problems.find((p) => p.field === "gps-reason");
  const reasonEl = document.getElementById("gps-reason-error");
  reasonEl.textContent = reasonError ? reasonError.text : "";
  reasonEl.hidden = !reasonError;
  document.getElementById("problems").replaceChildren(...problems.map((p) => h("li", {}, p.text)));
  const first = problems[0];
  const target = first?.item ? document.getElementById(`item-${first.item.code}`)
    : first?.field ? document.getElementById(first.field) : null;
  target?.scrollIntoView({ block: "center" });
}

/** Check the draft and hand it to the outbox. */
async function submit(ctx) {
  const body = view.rec.body;
  const fix = ctx.geo.best();
  const problems = [];
  if (!body.results.length) problems.push({ text: "至少检查一项" });
  for (const r of body.results.filter((x) => x.result === "fail")) {
    const item = view.items.find((i) => i.code === r.item_code);
    const missing = [];
    if (!r.note.trim()) missing.push("须填写问题描述");
    if (item.photo_required && !r.photo_ids.length) missing.push("须拍照");
    if (missing.length) problems.push({ item, text: `“${item.text}”不合格：${missing.join("，")}` });
  }
  if (!body.point_id && !fix) problems.push({ text: "尚未获得定位，无法记录未登记点位，请稍候" });
  const reason = document.getElementById("gps-reason").value.trim();
  if (fix && fix.accuracy > REASON_ABOVE_M && !reason) problems.push({ field: "gps-reason", text: "定位精度超过 100 米：请说明原因" });
  showProblems(ctx, problems);
  if (problems.length) return;
  if (fix) Object.assign(body, { lat: fix.lat, lon: fix.lon, accuracy_m: Math.round(fix.accuracy * 10) / 10 });
  const general = document.getElementById("general-note").value.trim();
  body.note = [general, reason ? `定位说明：${reason}` : ""].filter(Boolean).join("；");
  await save(ctx);
  try {
    await queue(ctx.store, view.rec.id);
  } catch (err) {
    const detail = err?.fields ? Object.values(err.fields).join("；") : err?.message;
    showProblems(ctx, [{ text: `未能提交：${detail}` }]);
    return;
  }
  if (view.draftKey) await ctx.store.setMeta(view.draftKey, null);
  await ctx.refreshBadge();
  toast("已保存，等待同步");
  ctx.syncer.syncNow();
  ctx.go("#/route");
}

/** 暗访: a covert inspection (findings shown to supervisors and leaders only). */
function covertSwitch(ctx) {
  const box = h("input", { type: "checkbox", id: "covert", role: "switch", checked: view.rec.body.covert,
    onchange: async () => {
      view.rec.body.covert = box.checked;
      await save(ctx);
    } });
  return h("label", { class: "switch", for: "covert" }, box,
    h("span", {}, "暗访", h("small", { class: "muted" }, "（不亮明身份的检查）")));
}

export async function show(ctx, mode, arg) {
  const ref = await loadReference(ctx);
  const rec = await draftFor(ctx, mode, arg, ref);
  if (!["draft", "rejected"].includes(rec.state)) {
    render(h("h1", {}, "记录已提交"), h("p", {}, "该记录已进入同步队列，不能再修改。"),
      h("a", { href: "#/outbox" }, "查看记录"));
    return;
  }
  const point = rec.body.point_id ? ref.points.find((p) => p.properties.id === rec.body.point_id) : null;
  const items = ref.checklists[rec.body.location_type] || [];
  const photos = new Map();
  for (const p of await ctx.store.photosOf(rec.id)) photos.set(p.id, p);
  view = { ctx, rec, point, items, photos, errors: new Map(), placeName: point ? point.properties.name : "未登记点位",
           openCopy: await loadOpenFindings(ctx.store),
           draftKey: mode === "record" ? "" : (mode === "point" ? `draft:point:${arg}` : `draft:here:${arg}`) };
  const general = h("textarea", { id: "general-note", placeholder: "备注（选填）" });
  general.value = rec.body.note.split("；定位说明：")[0].replace(/^定位说明：.*/, "");
  render(
    h("h1", {}, view.placeName),
    h("p", { class: "muted" }, `${typeName(rec.body.location_type)} · 开始于 ${formatTime(rec.body.started_at)}`),
    rec.errors && Object.keys(rec.errors).length ? h("div", { class: "card errors" }, "服务器未通过：",
      h("ul", {}, ...Object.entries(rec.errors).map(([k, v]) => h("li", {}, `${k}：${v}`)))) : null,
    h("div", { id: "gps", class: "gps" }, "正在定位…"),
    h("div", { id: "reason-box", hidden: true },
      h("label", { for: "gps-reason" }, "定位精度超过 100 米，请说明原因"),
      h("input", { id: "gps-reason", placeholder: "如：楼宇遮挡、室内", "aria-describedby": "gps-reason-error" }),
      h("p", { id: "gps-reason-error", class: "field-error", role: "alert", hidden: true })),
    covertSwitch(ctx),
    h("div", { id: "summary", class: "muted" }),
    h("div", { id: "items" }),
    h("button", { class: "block pass-rest", id: "rest-pass", type: "button", onclick: () => passTheRest(ctx) }, "全部合格"),
    h("label", { for: "general-note" }, "备注"), general,
    h("ul", { id: "problems", class: "errors", "aria-live": "polite" }),
    h("button", { class: "primary block", id: "submit", type: "button", onclick: () => submit(ctx) }, "完成并提交"),
  );
  updateSummary();
  onPosition();
  fillInChunks(document.getElementById("items"),
    items.map((item) => h("div", { class: "item", id: `item-${item.code}` }, ...itemBody(ctx, item))), 6, 6);
  preloadExif(); // ready before the first photo, offline too
}

export function leave() {
  view = null;
}
