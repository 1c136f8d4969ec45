/** 节假日: a year as twelve month grids; holidays and adjusted workdays (调休上班) are set per day, and
 * the year is marked published once the State Council's arrangement is entered. Deadlines count
 * working days from this table. */
import { addDays, localDay } from "../clock.js";
import { adminHead, call, clearFields, markFields, reportError } from "../admin-form.js";
import { h, render, toast } from "../ui.js";

const WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"];
const NAMES = ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"];
// What the server assumes for a year not yet published (see server/services/calendar.py).
const FIXED = { "01-01": "元旦", "05-01": "劳动节", "05-02": "劳动节", "10-01": "国庆节", "10-02": "国庆节", "10-03": "国庆节" };
const KIND_LABELS = { holiday: "放假", workday: "调休上班", normal: "正常（按周末规则）" };
let state = null;

const pad = (n) => String(n).padStart(2, "0");
/** Monday = 0 … Sunday = 6 for "YYYY-MM-DD". */
function weekdayOf(day) {
  const [y, m, d] = day.split("-").map(Number);
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

function dayCell(day) {
  const entry = state.days.get(day);
  const weekend = weekdayOf(day) >= 5;
  const assumed = !state.published && !entry && FIXED[day.slice(5)];
  const kind = entry?.kind || (assumed ? "holiday" : null);
  const name = entry?.name || (assumed ? `${assumed}（推定）` : "");
  const classes = ["day", weekend ? "weekend" : "", kind === "holiday" ? "holiday" : "", kind === "workday" ? "workday" : "",
    assumed ? "assumed" : "", day === state.today ? "today" : ""].filter(Boolean).join(" ");
  const label = `${Number(day.slice(8))}日${kind === "holiday" ? `，放假${name ? `：${name}` : ""}` : ""}` +
    `${kind === "workday" ? `，调休上班${name ? `：${name}` : ""}` : ""}${weekend && !kind ? "，周末" : ""}`;
  return h("button", { type: "button", class: classes, dataset: { date: day, kind: entry?.kind || "" }, title: name || null,
    "aria-label": label, onclick: () => openDay(day) },
  h("span", { class: "num" }, String(Number(day.slice(8)))),
  kind === "workday" ? h("span", { class: "mark" }, "班") : kind === "holiday" ? h("span", { class: "mark" }, "休") : null,
  name ? h("span", { class: "name" }, name.replace(/调休上班$/, "").replace("（推定）", "")) : null);
}

function monthGrid(month) {
  const first = `${state.year}-${pad(month)}-01`;
  const cells = [];
  for (let i = 0; i < weekdayOf(first); i++) cells.push(h("span", { class: "pad" }));
  for (let day = first; day.slice(5, 7) === pad(month); day = addDays(day, 1)) cells.push(dayCell(day));
  return h("section", { class: "month", dataset: { month } },
    h("h3", {}, `${month} 月`),
    h("div", { class: "month-grid" }, ...WEEKDAYS.map((w, i) => h("span", { class: `wd${i >= 5 ? " weekend" : ""}` }, w)),
      ...cells));
}

function drawYear() {
  document.getElementById("year-grid").replaceChildren(...Array.from({ length: 12 }, (_, i) => monthGrid(i + 1)));
  const holidays = [...state.days.values()].filter((d) => d.kind === "holiday").length;
  const workdays = [...state.days.values()].filter((d) => d.kind === "workday").length;
  document.getElementById("year-summary").textContent = `已录入放假 ${holidays} 天、调休上班 ${workdays} 天`;
}

/** The editor of one day (and, optionally, the days after it). */
function openDay(day) {
  const dialog = document.getElementById("day-dialog");
  const entry = state.days.get(day);
  const weekend = weekdayOf(day) >= 5;
  const [y, m, d] = day.split("-").map(Number);
  const radios = Object.entries(KIND_LABELS).map(([kind, label]) => h("label", { class: "check" },
    h("input", { type: "radio", name: "kind", value: kind, checked: (entry?.kind || "normal") === kind }), h("span", {}, label)));
  const name = h("input", { id: "day-name", name: "name", list: "holiday-names", value: entry?.name || "",
    "data-path": "name", placeholder: "如：春节；调休上班日可写“春节调休上班”" });
  const span = h("input", { id: "day-span", type: "number", min: 1, max: 31, step: 1, value: 1, "data-path": "span" });
  const general = h("div", { class: "form-error", role: "alert", hidden: true });
  const save = h("button", { type: "submit", class: "primary", id: "day-save" }, "保存");
  const form = h("form", { method: "dialog", id: "day-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    clearFields(form);
    general.hidden = true;
    const kind = form.querySelector("input[name=kind]:checked")?.value || "normal";
    const count = Math.max(1, Math.min(31, Number(span.value) || 1));
    save.disabled = true;
    let at = day;
    try {
      for (let i = 0; i < count; i++, at = addDays(at, 1)) {
        if (at.slice(0, 4) !== String(state.year)) break;
        const body = { kind, name: kind === "normal" ? "" : name.value.trim() };
        await call(state.ctx, "PUT", `/api/v1/calendar/days/${at}`, body);
        if (kind === "normal") state.days.delete(at); else state.days.set(at, { date: at, ...body });
      }
      dialog.close();
      toast(count > 1 ? `已设置 ${count} 天` : `已设置 ${day}`);
    } catch (err) {
      const rest = markFields(form, err?.fields);
      general.textContent = reportError(state.ctx, err) + (Object.keys(rest).length ? `：${Object.values(rest).join("；")}` : "");
      general.hidden = !general.textContent;
    } finally {
      save.disabled = false;
      drawYear();
    }
  } },
  h("h3", {}, `${y}年${m}月${d}日 星期${WEEKDAYS[weekdayOf(day)]}${weekend ? "（周末）" : ""}`),
  h("fieldset", { class: "kinds" }, h("legend", {}, "这一天"), ...radios),
  h("div", { class: "field" }, h("label", { for: "day-name" }, "名称"), name, h("div", { class: "field-error", hidden: true })),
  h("div", { class: "field" }, h("label", { for: "day-span" }, "连续设置天数"), span,
    h("div", { class: "hint" }, "从这一天起连续几天设为相同的类型和名称（如春节假期 8 天）"),
    h("div", { class: "field-error", hidden: true })),
  general,
  h("div", { class: "buttons" }, save, h("button", { type: "button", onclick: () => dialog.close() }, "取消")));
  dialog.replaceChildren(form);
  dialog.showModal();
  form.querySelector("input[name=kind]:checked")?.focus();
}

async function setPublished(published, button) {
  button.disabled = true;
  try {
    await call(state.ctx, "PUT", `/api/v1/calendar/years/${state.year}`, { published });
    toast(published ? `${state.year} 年已标记为已发布` : `已撤销 ${state.year} 年的发布标记`);
    await show(state.ctx, String(state.year));
  } catch (err) {
    button.disabled = false;
    reportError(state.ctx, err);
  }
}

export async function show(ctx, yearText) {
  const shownFor = location.hash;
  const today = localDay();
  const year = Number(yearText) || Number(today.slice(0, 4));
  const answer = await ctx.api.get(`/api/v1/calendar/days?year=${year}`);
  if (location.hash !== shownFor) return; // the user moved on while this loaded
  state = { ctx, year, today, published: !!answer.published,
    days: new Map((answer.days || []).map((d) => [d.date, d])) };
  const yearInput = h("input", { type: "number", id: "year", min: 2000, max: 2100, value: year,
    onchange: () => ctx.go(`#/a/holidays/${yearInput.value}`) });
  const publish = h("button", { type: "button", class: state.published ? "" : "primary", id: "publish-year",
    onclick: () => setPublished(!state.published, publish) },
  state.published ? "撤销发布标记" : `标记 ${year} 年安排已发布`);
  render(
    ...adminHead("holidays", "节假日与调休"),
    h("div", { class: "toolbar" },
      h("button", { type: "button", class: "small", id: "prev-year", onclick: () => ctx.go(`#/a/holidays/${year - 1}`) }, "‹ 上一年"),
      h("label", { class: "inline-label" }, "年份", yearInput),
      h("button", { type: "button", class: "small", id: "next-year", onclick: () => ctx.go(`#/a/holidays/${year + 1}`) }, "下一年 ›"),
      publish),
    state.published
      ? h("div", { class: "notice ok", id: "year-status" }, `${year} 年的放假安排已发布：答复和整改期限按此表计算工作日。`)
      : h("div", { class: "notice warn", id: "year-status" },
        h("b", {}, `${year} 年的放假安排尚未发布，期限为暂定。`),
        " 目前按周末及元旦、劳动节、国庆节推算（日历中标为“推定”）；春节、清明、端午、中秋等需按国务院办公厅通知录入。",
        "全部录入后请点击“标记已发布”。"),
    h("p", { class: "muted" }, "点击日期设置放假或调休上班。", h("span", { id: "year-summary" })),
    h("div", { class: "legend" },
      h("span", {}, h("i", { class: "swatch weekend" }), "周末"),
      h("span", {}, h("i", { class: "swatch holiday" }), "放假"),
      h("span", {}, h("i", { class: "swatch workday" }), "调休上班"),
      state.published ? null : h("span", {}, h("i", { class: "swatch assumed" }), "推定（未发布年份）")),
    h("div", { class: "year-grid", id: "year-grid" }),
    h("datalist", { id: "holiday-names" }, ...NAMES.flatMap((n) => [h("option", { value: n }), h("option", { value: `${n}调休上班` })])),
    h("dialog", { id: "day-dialog", class: "day-dialog" }),
  );
  drawYear();
}

export function leave() {
  document.getElementById("day-dialog")?.close?.();
  state = null;
}
