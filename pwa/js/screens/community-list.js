/** A community's own findings: what is late and what is due today first, with filters. */
import { statusBadge } from "../finding-view.js";
import { localDay } from "../clock.js";
import { h, render, TYPE_NAMES } from "../ui.js";
import { unitReminders } from "../reminders.js";

/** Late first, then due today, then the rest by found time. */
function urgency(f, today) {
  if (f.overdue) return 0;
  if ((f.status === "assigned" && f.reply_due === today) || (["assigned", "replied"].includes(f.status) && f.rectify_due === today)) return 1;
  if (["assigned", "replied", "returned"].includes(f.status)) return 2;
  return 3;
}

function card(f, today) {
  const u = urgency(f, today);
  return h("li", { class: u === 0 ? "late" : u === 1 ? "due-today" : "" },
    h("a", { href: `#/finding/${f.id}`, dataset: { finding: f.id } },
      h("span", {}, h("span", { class: "name" }, `${f.point_name || "未登记点位"}：${f.item_text}`), h("br"),
        h("span", { class: "muted" }, `${f.code} · ${f.status === "assigned" ? `答复期限 ${f.reply_due}` : `整改时限 ${f.rectify_due || "—"}`}`)),
      statusBadge(f)));
}

const STATUS_OPTIONS = [["", "全部未销号"], ["assigned", "待答复"], ["replied", "整改中"], ["rectified", "待复查"],
  ["returned", "已回退"], ["closed", "已销号"]];

export async function show(ctx) {
  const filters = (await ctx.store.getMeta("community-filters")) || { status: "", overdue: "", type: "", from: "", to: "" };
  const params = new URLSearchParams({ per_page: "200" });
  params.set("status", filters.status || "assigned,replied,rectified,returned");
  if (filters.overdue) params.set("overdue", "true");
  if (filters.type) params.set("location_type", filters.type);
  if (filters.from) params.set("from", filters.from);
  if (filters.to) params.set("to", filters.to);
  let items = [];
  let offline = false;
  try {
    const page = await ctx.api.get(`/api/v1/findings?${params}`);
    items = page.items;
    await ctx.store.putCache("community-findings", items);
  } catch (err) {
    if (err?.name === "AuthError") throw err;
    items = (await ctx.store.getCache("community-findings")) || [];
    offline = true;
  }
  const today = localDay();
  items.sort((a, b) => urgency(a, today) - urgency(b, today) || (b.found_at > a.found_at ? 1 : -1));
  const late = items.filter((f) => urgency(f, today) === 0).length;
  const dueToday = items.filter((f) => urgency(f, today) === 1).length;
  const select = (key, options) => {
    const el = h("select", { id: `f-${key}`, onchange: async () => {
      filters[key] = el.value;
      await ctx.store.setMeta("community-filters", filters);
      show(ctx);
    } }, ...options.map(([v, label]) => h("option", { value: v, selected: filters[key] === v }, label)));
    return el;
  };
  const date = (key) => {
    const el = h("input", { type: "date", id: `f-${key}`, value: filters[key], onchange: async () => {
      filters[key] = el.value;
      await ctx.store.setMeta("community-filters", filters);
      show(ctx);
    } });
    return el;
  };
  const reminders = await unitReminders(ctx);
  render(
    reminders,
    h("h1", {}, `${ctx.session.user.display_name} · 问题清单`),
    offline ? h("p", { class: "muted" }, "离线：显示上次加载的清单") : null,
    h("div", { class: "kpis" },
      h("div", { class: "kpi late" }, h("b", { id: "late-count" }, String(late)), "已逾期"),
      h("div", { class: "kpi due-today" }, h("b", {}, String(dueToday)), "今日到期"),
      h("div", { class: "kpi" }, h("b", {}, String(items.length)), "本清单")),
    h("div", { class: "filters" },
      h("label", {}, "状态", select("status", STATUS_OPTIONS)),
      h("label", {}, "逾期", select("overdue", [["", "全部"], ["1", "仅逾期"]])),
      h("label", {}, "点位类型", select("type", [["", "全部"], ...Object.entries(TYPE_NAMES)])),
      h("label", {}, "发现自", date("from")), h("label", {}, "至", date("to"))),
    items.length ? h("ul", { class: "list", id: "findings" }, ...items.map((f) => card(f, today)))
      : h("p", { class: "muted" }, "没有符合条件的问题"),
  );
}
