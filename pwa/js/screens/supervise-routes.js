/** 日督导 allocation for the supervision task force: for a day, give each inspector points to
 * walk. The order saved is the walking order from the chosen first point (the phone shows it). */
import { call, fieldPath } from "../admin-form.js";
import { localDay } from "../clock.js";
import { compareZh, h, render, toast } from "../ui.js";
import { metres, pathLength, walkingOrder } from "../walk.js";

const pct = (x) => (x === null || x === undefined ? "—" : `${Math.round(x * 100)}%`);
let mine = null;
let loads = 0; // show() calls in flight: only the last one draws, and marks the form ready

/** The picked points in walking order from the chosen start. */
function ordered() {
  const picked = mine.points.filter((p) => mine.picked.has(p.properties.id));
  const start = picked.find((p) => p.properties.id === mine.start) || picked[0];
  if (!start) return [];
  const stops = [start, ...picked.filter((p) => p !== start)].map((p) => ({
    id: p.properties.id, lat: p.geometry.coordinates[1], lon: p.geometry.coordinates[0], p }));
  return walkingOrder(stops).map((s) => s.p);
}

function drawPreview() {
  const order = ordered();
  const startSel = document.getElementById("r-start");
  startSel.replaceChildren(...order.map((p) => h("option", { value: p.properties.id }, p.properties.name)));
  if (order.length) startSel.value = String(order[0].properties.id);
  const km = (pathLength(order.map((p) => ({ lat: p.geometry.coordinates[1], lon: p.geometry.coordinates[0] })), metres) / 1000).toFixed(1);
  document.getElementById("r-summary").textContent = order.length
    ? `已选 ${order.length} 个点位，步行约 ${km} 公里` : "尚未选择点位";
  document.getElementById("r-order").replaceChildren(...order.map((p) => h("li", {}, p.properties.name,
    h("span", { class: "muted" }, ` · ${p.properties.unit_name || ""}`))));
}

function pointPicker() {
  const filter = h("input", { id: "r-filter", type: "search", placeholder: "按名称或社区筛选", oninput: () => {
    const q = filter.value.trim();
    for (const row of document.querySelectorAll("#r-points label")) row.hidden = q && !row.textContent.includes(q);
  } });
  const boxes = mine.points.map((p) => h("label", { class: "pick" },
    h("input", { type: "checkbox", value: p.properties.id, checked: mine.picked.has(p.properties.id), onchange: (e) => {
      if (e.target.checked) mine.picked.add(p.properties.id);
      else mine.picked.delete(p.properties.id);
      drawPreview();
    } }), ` ${p.properties.name}`, h("span", { class: "muted" }, ` ${p.properties.unit_name || ""}`)));
  return [filter, h("div", { id: "r-points", class: "pick-list" }, ...boxes)];
}

async function save(ctx) {
  const err = document.getElementById("r-error");
  err.hidden = true;
  const order = ordered();
  try {
    await call(ctx, "PUT", `/api/v1/routes/${mine.day}/${mine.user}`, { point_ids: order.map((p) => p.properties.id) });
    toast(`已为${mine.names.get(mine.user)}分配 ${order.length} 个点位`);
    await show(ctx, mine.day, mine.user);
  } catch (e) {
    const fields = Object.entries(e.fields || {}).map(([k, v]) => `${fieldPath(k)}：${v}`);
    err.textContent = [e.message, ...fields].join("；");
    err.hidden = false;
  }
}

function dayTable(day, coverage) {
  const rows = (coverage?.by_inspector || []).filter((r) => r.allocated || r.inspections);
  if (!rows.length) return h("p", { class: "muted", id: "r-day" }, `${day} 尚无分配`);
  return h("table", { class: "ledger", id: "r-day" },
    h("thead", {}, h("tr", {}, ...["督导员", "分配", "已查", "完成率", "补录", "检查次数"].map((x) => h("th", {}, x)))),
    h("tbody", {}, ...rows.map((r) => h("tr", { dataset: { user: r.user_id } },
      h("td", {}, r.display_name || ""), h("td", {}, r.allocated), h("td", {}, r.done),
      h("td", {}, pct(r.completion_rate)), h("td", {}, r.late_entry), h("td", {}, r.inspections)))));
}

export async function show(ctx, day = null, user = null) {
  day = day || localDay();
  loads += 1;
  document.getElementById("route-form")?.removeAttribute("data-ready");
  let answers;
  try {
    answers = await Promise.all([
      ctx.api.get("/api/v1/users"), ctx.api.get("/api/v1/points"), ctx.api.get(`/api/v1/routes/${day}`),
      day <= localDay() ? ctx.api.get(`/api/v1/reports/coverage?date=${day}`).catch(() => null) : null]);
  } finally {
    loads -= 1;
  }
  if (loads) return; // a later call (another day or inspector) draws
  const [users, points, routes, coverage] = answers;
  const inspectors = users.items.filter((u) => u.role === "inspector" && u.active);
  user = user || inspectors[0]?.id || null;
  const current = routes.items.find((r) => r.user_id === user);
  mine = { day, user, names: new Map(inspectors.map((u) => [u.id, u.display_name])),
    points: points.features.filter((p) => p.properties.active !== false)
      .sort((a, b) => compareZh(a.properties.unit_name, b.properties.unit_name)
        || compareZh(a.properties.name, b.properties.name)),
    picked: new Set(current?.point_ids || []), start: current?.point_ids?.[0] ?? null };
  const dayInput = h("input", { id: "r-date", type: "date", value: day, onchange: () => { if (dayInput.value && dayInput.value !== day) show(ctx, dayInput.value, user); } });
  const who = h("select", { id: "r-user", onchange: () => { if (Number(who.value) !== user) show(ctx, day, Number(who.value)); } },
    ...inspectors.map((u) => h("option", { value: u.id }, `${u.display_name}（${(routes.items.find((r) => r.user_id === u.id)?.point_ids || []).length}）`)));
  if (user) who.value = String(user);
  const start = h("select", { id: "r-start", onchange: () => { mine.start = Number(start.value); drawPreview(); } });
  render(
    h("h1", {}, "日督导路线分配"),
    h("p", { class: "muted" }, "为督导员分配当天要走的点位。保存的顺序即步行顺序：从起点出发，依次走最近的点位并消除交叉；手机上的今日路线按此顺序显示。"),
    h("div", { class: "panel" }, h("h3", {}, `${day} 分配与完成情况`), dayTable(day, coverage)),
    h("form", { class: "panel", id: "route-form", dataset: { user: user ?? "", day, ready: "1" }, onsubmit: (e) => { e.preventDefault(); save(ctx); } },
      h("label", { for: "r-date" }, "日期"), dayInput,
      h("label", { for: "r-user" }, "督导员"), who,
      inspectors.length ? null : h("p", { class: "form-error" }, "没有在岗的督导员：请管理员先添加"),
      h("h3", {}, "选择点位"), ...pointPicker(),
      h("h3", {}, "步行顺序"),
      h("label", { for: "r-start" }, "起点"), start,
      h("p", { id: "r-summary", class: "muted" }),
      h("ol", { id: "r-order" }),
      h("div", { class: "form-error", id: "r-error", role: "alert", hidden: true }),
      h("button", { type: "submit", class: "primary", id: "r-save", disabled: !user }, "保存分配")),
  );
  drawPreview();
}
