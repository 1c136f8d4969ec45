/** A community's own findings: what is late and what is due today first, with filters. */
import { statusBadge } from "../finding-view.js";
import { localDay } from "../clock.js";
import { h, render, TYPE_NAMES } from "../ui.js";
import { unitReminders } from "../reminders.js";
import { CLOCK_LABELS } from "../letters.js";

/** Notices still waiting for the unit's answer, and the prompts (with the leaders' instructions)
 * addressed to it; online only (the list below works offline). */
async function letterPanels(ctx) {
  try {
    const [notices, prompts] = await Promise.all([
      ctx.api.get("/api/v1/letters?kind=notice&per_page=50"), ctx.api.get("/api/v1/letters?kind=prompt&per_page=10")]);
    // Waiting for this unit: no reply letter yet, and a problem of it still the unit's to answer.
    const open = notices.items.filter((n) => !n.reply_letter_id && (n.waiting ?? 1) > 0);
    return [
      open.length ? h("div", { class: "panel", id: "open-notices" }, h("h3", {}, `待答复的通知函（${open.length}）`),
        h("ul", { class: "list" }, ...open.map((n) => h("li", {}, h("a", { href: `#/c/notice/${n.id}`, dataset: { notice: n.id } },
          h("span", {}, h("span", { class: "name" }, n.number), h("br"), h("span", { class: "muted" }, `待答复 ${n.waiting ?? n.finding_ids.length} 个问题（共 ${n.finding_ids.length} 个）· 整体答复`))))))) : null,
      prompts.items.length ? h("div", { class: "panel", id: "unit-prompts" }, h("h3", {}, `工作提示函与领导批示（${prompts.total}）`),
        h("ul", { class: "list" }, ...prompts.items.map((l) => h("li", { dataset: { letter: l.id } }, h("a", { href: `#/letter/${l.id}` },
          h("span", {}, h("span", { class: "name" }, `${l.number} · 限 ${l.new_due} 前落实`), h("br"),
            h("span", { class: "muted" }, l.problems.map((p) => `${p.code}${CLOCK_LABELS[p.clock]}`).join("、")),
            ...l.instructions.map((i) => h("div", { class: "instruction" }, `领导批示（${i.author.display_name}）：${i.text}`)))))))) : null,
    ];
  } catch (err) {
    if (err?.name === "AuthError") throw err;
    return [];
  }
}

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
  const [reminders, panels] = await Promise.all([unitReminders(ctx), letterPanels(ctx)]);
  render(
    reminders,
    h("h1", {}, `${ctx.session.user.display_name} · 问题清单`),
    ...panels,
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
