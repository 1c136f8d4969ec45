/** The leaders' page: counts, the monthly ranking, and the prompt letters submitted to them. */
import { addDays, localDay, localMonth, weekOfDay } from "../clock.js";
import { formatTime, h, render } from "../ui.js";

/** The ISO weeks ending with this one, oldest first ("2026-W45" …). */
function lastWeeks(n) {
  const out = [];
  const today = localDay();
  for (let k = n - 1; k >= 0; k--) out.push(weekOfDay(addDays(today, -7 * k)));
  return out;
}

const pct = (x) => (x === null || x === undefined ? "—" : `${Math.round(x * 100)}%`);

export async function show(ctx) {
  const total = (q) => ctx.api.get(`/api/v1/findings?per_page=1&${q}`).then((r) => r.total);
  const month = localMonth();
  const [open, overdue, unassigned, closed, prompts, monthly] = await Promise.all([
    total("status=unassigned,assigned,returned,replied,rectified"), total("overdue=true"),
    total("status=unassigned"), total("status=closed"),
    ctx.api.get("/api/v1/letters?kind=prompt&per_page=20"),
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
    h("div", { class: "panel" }, h("h3", {}, "近四周趋势"),
      h("table", { class: "ledger", id: "trend" }, h("thead", {}, h("tr", {},
        ...["周次", "新增", "销号", "未销号", "答复逾期", "整改逾期", "按时答复率", "按期结案率"].map((t) => h("th", {}, t)))),
      h("tbody", {}, ...weeks.map((w, i) => { const t = trend[i]; return h("tr", {}, h("td", {}, w),
        ...(t ? [t.new, t.closed, t.open, t.overdue_replies, t.overdue_rectifications, pct(t.on_time_reply_rate),
          pct(t.on_time_close_rate)] : ["—", "—", "—", "—", "—", "—", "—"]).map((v) => h("td", {}, v))); })))),
    monthly ? h("div", { class: "panel" }, h("h3", {}, `${month} 月度排名`),
      h("table", { class: "ledger", id: "ranking" }, h("thead", {}, h("tr", {}, ...["排名", "社区", "得分", "等次", "变化"].map((t) => h("th", {}, t)))),
        h("tbody", {}, ...monthly.communities.slice().sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99)).map((c) => h("tr", {},
          h("td", {}, c.rank ?? "—"), h("td", {}, c.name), h("td", {}, c.score ?? "—"), h("td", {}, c.grade ?? "—"),
          h("td", {}, c.change === null || c.change === undefined ? "—" : c.change > 0 ? `↑${c.change}` : c.change < 0 ? `↓${-c.change}` : "—"))))),
      h("a", { class: "filebtn", href: `/reports/monthly?month=${month}`, target: "_blank" }, "打印月度考评")) : null,
    h("div", { class: "panel" }, h("h3", {}, `呈报的工作提示函（${prompts.total}）`),
      prompts.items.length ? h("ul", { class: "list", id: "prompts" }, ...prompts.items.map((l) => h("li", {},
        h("a", { href: l.url, target: "_blank" }, h("span", {}, h("span", { class: "name" }, l.number), h("br"),
          h("span", { class: "muted" }, formatTime(l.issued_at))))))) : h("p", { class: "muted" }, "暂无提示函")),
  );
}
