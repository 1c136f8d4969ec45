/** The leaders' page: counts, the monthly ranking, and the prompt letters submitted to them. */
import { addDays, localDay, localMonth, weekOfDay } from "../clock.js";
import { promptCard } from "../letters.js";
import { h, render } from "../ui.js";

const PER_PAGE = 10;

/** The ISO weeks ending with this one, oldest first ("2026-W45" …). */
function lastWeeks(n) {
  const out = [];
  const today = localDay();
  for (let k = n - 1; k >= 0; k--) out.push(weekOfDay(addDays(today, -7 * k)));
  return out;
}

const pct = (x) => (x === null || x === undefined ? "—" : `${Math.round(x * 100)}%`);

/** The prompts submitted to the leaders, grouped by unit, one page at a time. */
async function promptsPanel(ctx, page = 1) {
  const data = await ctx.api.get(`/api/v1/letters?kind=prompt&order=unit&per_page=${PER_PAGE}&page=${page}`);
  const pages = Math.max(1, Math.ceil(data.total / PER_PAGE));
  const groups = new Map();
  for (const l of data.items) {
    const key = l.unit_name || "未派发";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(l);
  }
  const panel = h("div", { class: "panel", id: "prompts-panel" }, h("h3", {}, `呈报的工作提示函（${data.total}）`),
    data.items.length ? h("div", { id: "prompts" }, ...[...groups].map(([unit, letters]) => h("section", { class: "unit-group" },
      h("h4", {}, `${unit}（本页 ${letters.length} 件）`), h("ul", { class: "list" }, ...letters.map(promptCard)))))
      : h("p", { class: "muted" }, "暂无提示函"),
    pages > 1 ? h("div", { class: "pager" },
      h("button", { type: "button", class: "small", id: "prompts-prev", disabled: page <= 1,
        onclick: async () => panel.replaceWith(await promptsPanel(ctx, page - 1)) }, "上一页"),
      h("span", { id: "prompts-page" }, ` 第 ${page} / ${pages} 页 `),
      h("button", { type: "button", class: "small", id: "prompts-next", disabled: page >= pages,
        onclick: async () => panel.replaceWith(await promptsPanel(ctx, page + 1)) }, "下一页")) : null);
  return panel;
}

/** Problems escalated after a prompt's new date lapsed (督办): candidates for a talk (约谈), by unit. */
function escalationPanel(items) {
  const byUnit = new Map();
  for (const f of items) {
    const key = f.unit_name || f.community_name || "未派发";
    if (!byUnit.has(key)) byUnit.set(key, []);
    byUnit.get(key).push(f);
  }
  return h("div", { class: "panel", id: "escalations" }, h("h3", {}, `督办事项 · 约谈候选（${items.length}）`),
    items.length ? h("table", { class: "ledger" }, h("thead", {}, h("tr", {}, ...["责任单位", "督办问题"].map((t) => h("th", {}, t)))),
      h("tbody", {}, ...[...byUnit].map(([unit, list]) => h("tr", {}, h("td", {}, h("strong", {}, unit), h("br"), `${list.length} 个`),
        h("td", {}, ...list.map((f) => h("div", {}, h("a", { href: `#/finding/${f.id}` }, f.code), ` ${f.point_name || ""}：${f.description || f.item_text}`)))))))
      : h("p", { class: "muted" }, "暂无提示函期满仍未落实的问题"));
}

/** The month before "YYYY-MM". */
const monthBefore = (month) => addDays(`${month}-01`, -1).slice(0, 7);

/** The monthly ranking of the communities: this month so far, or last month (a month just
 * begun ranks on a day or two; "截至" says so). */
function rankingPanel(ctx, month, monthly) {
  const current = localMonth();
  const other = month === current ? monthBefore(current) : current;
  const title = month === current ? `${month} 月度排名（截至 ${localDay()}）` : `${month} 月度排名`;
  const panel = h("div", { class: "panel", id: "ranking-panel" }, h("h3", {}, title),
    h("div", { class: "toolbar" }, h("button", { type: "button", class: "small", id: "ranking-other",
      onclick: async () => {
        const data = await ctx.api.get(`/api/v1/reports/monthly?month=${other}`).catch(() => null);
        panel.replaceWith(rankingPanel(ctx, other, data));
      } }, other === current ? "本月（截至今日）" : `上月（${other}）`)),
    monthly ? h("table", { class: "ledger", id: "ranking" }, h("thead", {}, h("tr", {}, ...["排名", "社区", "得分", "等次", "变化"].map((t) => h("th", {}, t)))),
      h("tbody", {}, ...monthly.communities.slice().sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99)).map((c) => h("tr", {},
        h("td", {}, c.rank ?? "—"), h("td", {}, c.name), h("td", {}, c.score ?? "—"), h("td", {}, c.grade ?? "—"),
        h("td", {}, c.change === null || c.change === undefined ? "—" : c.change > 0 ? `↑${c.change}` : c.change < 0 ? `↓${-c.change}` : "—")))))
      : h("p", { class: "muted" }, "暂无数据"),
    h("a", { class: "filebtn", href: `/reports/monthly?month=${month}`, target: "_blank" }, `打印 ${month} 月度考评`));
  return panel;
}

export async function show(ctx) {
  const total = (q) => ctx.api.get(`/api/v1/findings?per_page=1&${q}`).then((r) => r.total);
  const month = localMonth();
  const [open, overdue, unassigned, closed, prompts, escalated, monthly] = await Promise.all([
    total("status=unassigned,assigned,returned,replied,rectified"), total("overdue=true"),
    total("status=unassigned"), total("status=closed"), promptsPanel(ctx),
    ctx.api.get("/api/v1/findings?flag=escalated&status=assigned,replied,returned,rectified&per_page=200").then((r) => r.items),
    ctx.api.get(`/api/v1/reports/monthly?month=${month}`).catch(() => null)]);
  const weeks = lastWeeks(4);
  const trend = await Promise.all(weeks.map((w) => ctx.api.get(`/api/v1/reports/weekly?week=${w}`)
    .then((r) => r.totals).catch(() => null)));
  render(
    h("h1", {}, "领导小组总览"),
    h("div", { class: "kpis" },
      h("div", { class: "kpi" }, h("b", { id: "kpi-open" }, String(open)), "未销号问题"),
      h("div", { class: "kpi late" }, h("b", { id: "kpi-overdue" }, String(overdue)), "逾期"),
      h("div", { class: "kpi" }, h("b", {}, String(unassigned)), "待派发"),
      h("div", { class: "kpi" }, h("b", {}, String(closed)), "已销号")),
    escalationPanel(escalated),
    prompts,
    h("div", { class: "panel" }, h("h3", {}, "近四周趋势"), h("div", { class: "table-scroll" },
      h("table", { class: "ledger", id: "trend" }, h("thead", {}, h("tr", {},
        ...["周次", "新增", "销号", "未销号", "答复逾期", "整改逾期", "按时答复率", "按期结案率"].map((t) => h("th", {}, t)))),
      h("tbody", {}, ...weeks.map((w, i) => { const t = trend[i]; return h("tr", {}, h("td", {}, w),
        // 未销号 as the figure above counts it: held by the units, and waiting to be (re)assigned.
        ...(t ? [t.new, t.closed, t.open + (t.unassigned_open || 0), t.overdue_replies, t.overdue_rectifications, pct(t.on_time_reply_rate),
          pct(t.on_time_close_rate)] : ["—", "—", "—", "—", "—", "—", "—"]).map((v) => h("td", {}, v))); }))))),
    rankingPanel(ctx, month, monthly),
  );
}
