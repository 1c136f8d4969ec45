/** 年度创建绩效考核: each unit's monthly scores summed over the year, ranked within its kind. */
import { localDay } from "../clock.js";
import { h, render } from "../ui.js";

const KIND_NAMES = { community: "社区", task_force: "专班", office: "科室" };
const num = (x) => (x === null || x === undefined ? "—" : String(Math.round(x * 100) / 100));

export async function show(ctx, year = null) {
  year = year || localDay().slice(0, 4);
  const r = await ctx.api.get(`/api/v1/reports/yearly?year=${year}`);
  const pick = h("input", { id: "year", type: "number", value: year, min: 2000, max: 2099,
    onchange: () => show(ctx, pick.value) });
  const tables = Object.entries(KIND_NAMES).map(([kind, label]) => {
    const rows = r.rows.filter((x) => x.kind === kind);
    if (!rows.length) return null;
    return h("div", { class: "scroll-x" }, h("h3", {}, `${label}（单独排名）`), h("table", { class: "ledger yearly", id: `yearly-${kind}` },
      h("thead", {}, h("tr", {}, ...["名次", "单位", ...r.months.map((m) => `${Number(m.slice(5))}月`), "合计", "月均", "未报送", "采用", "清单逾期"]
        .map((t) => h("th", {}, t)))),
      h("tbody", {}, ...rows.map((x) => h("tr", { dataset: { unit: x.unit_id } },
        h("td", {}, x.rank), h("td", {}, x.name), ...x.months.map((m) => h("td", {}, num(m.score))),
        h("td", {}, num(x.total)), h("td", {}, num(x.average)), h("td", {}, x.missed_submissions),
        h("td", {}, x.adopted_submissions), h("td", {}, x.overdue_duty_items))))));
  });
  render(
    h("h1", {}, `${r.year} 年度创建绩效考核`),
    h("label", {}, "年份", pick),
    h("p", { class: "muted" }, `各月月问效得分之和${r.complete ? "" : `（本年度尚未结束，已计 ${r.months.length} 个月）`}。${r.rule.formula}`),
    ...tables.filter(Boolean),
    h("a", { class: "filebtn", href: `/reports/yearly?year=${r.year}`, target: "_blank" }, "打印年度考核表"),
  );
}
