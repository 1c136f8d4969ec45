/** 日督导、周通报、月问效: pick a period, read the table, open the printable page. */
import { localDay, localMonth, localWeek } from "../clock.js";
import { h, render } from "../ui.js";

const pct = (x) => (x === null || x === undefined ? "—" : `${Math.round(x * 100)}%`);

const KINDS = [["task_force", "专班"], ["office", "科室"]];

/** One weekly table: units of one kind, by rank. */
function weeklyTable(id, label, rows) {
  const sorted = rows.slice().sort((a, b) => (a.rank ?? 999) - (b.rank ?? 999));
  return h("div", { class: "scroll-x" }, h("table", { class: "ledger", id },
    h("thead", {}, h("tr", {}, ...["排名", label, "新增", "销号", "未销号", "答复逾期", "整改逾期", "按时答复率", "按期结案率", "返工", "仍未整改"]
      .map((t) => h("th", {}, t)))),
    h("tbody", {}, ...sorted.map((c) => h("tr", {},
      h("td", {}, c.rank ?? "—"), h("td", {}, c.name), h("td", {}, c.new), h("td", {}, c.closed), h("td", {}, c.open),
      h("td", {}, c.overdue_replies), h("td", {}, c.overdue_rectifications), h("td", {}, pct(c.on_time_reply_rate)),
      h("td", {}, pct(c.on_time_close_rate)), h("td", {}, c.rework), h("td", {}, c.resightings ?? 0))))));
}

// The terms of the monthly score, as the settings name them (a unit sees why it lost points).
const TERMS = { overdue_reply: "逾期答复", overdue_rectification: "逾期整改", rework: "返工",
  on_time_reply_rate: "按时答复率", on_time_close_rate: "按期结案率", missed_submission: "未报送信息",
  adopted_submission: "信息采用", overdue_duty_item: "责任清单逾期" };
const KIND_LABELS = { community: "社区", task_force: "专班", office: "科室" };

/** The monthly grades of every unit with each non-zero term of its score. */
function monthlyTable(rows) {
  const terms = (r) => Object.entries(r.terms || {}).filter(([, v]) => v)
    .map(([k, v]) => `${TERMS[k] || k} ${v > 0 ? "+" : ""}${v}`).join("；") || "—";
  return h("div", { class: "scroll-x" }, h("table", { class: "ledger", id: "monthly" },
    h("thead", {}, h("tr", {}, ...["类别", "排名", "单位", "得分", "等次", "加减分明细"].map((t) => h("th", {}, t)))),
    h("tbody", {}, ...rows.map((r) => h("tr", { dataset: { unit: r.unit_id } },
      h("td", {}, KIND_LABELS[r.kind] || r.kind), h("td", {}, r.rank ?? "—"), h("td", {}, r.name),
      h("td", {}, r.score), h("td", {}, r.grade), h("td", { class: "terms" }, terms(r)))))));
}

export async function show(ctx, week = localWeek()) {
  const month = localMonth();
  const day = localDay();
  let weekly = null;
  let monthly = null;
  try { weekly = await ctx.api.get(`/api/v1/reports/weekly?week=${week}`); } catch (err) { if (err?.name === "AuthError") throw err; }
  try { monthly = await ctx.api.get(`/api/v1/reports/monthly?month=${month}`); } catch (err) { if (err?.name === "AuthError") throw err; }
  const weekInput = h("input", { type: "week", id: "week", value: week, onchange: () => show(ctx, weekInput.value) });
  render(
    h("h1", {}, "报表"),
    h("div", { class: "panel" }, h("h3", {}, "周通报"), h("label", {}, "周次", weekInput),
      weekly ? weeklyTable("weekly", "社区", weekly.communities) : null,
      ...(weekly ? KINDS.map(([kind, label]) => {
        const rows = (weekly.units || []).filter((u) => u.kind === kind);
        return rows.length ? [h("h4", {}, `${label}（单独排名）`), weeklyTable(`weekly-${kind}`, label, rows)] : [];
      }).flat() : [h("p", { class: "muted" }, "暂无数据")]),
      h("a", { class: "filebtn", href: `/reports/weekly?week=${week}`, target: "_blank" }, "打印周通报")),
    h("div", { class: "panel" }, h("h3", {}, "月度考评（等次）"),
      monthly?.units ? monthlyTable(monthly.units) : null,
      h("a", { class: "filebtn", href: `/reports/monthly?month=${month}`, target: "_blank" }, `打印 ${month} 月度考评`),
      h("a", { class: "filebtn", href: "#/s/yearly", id: "yearly-link" }, "年度创建绩效考核")),
    h("div", { class: "panel" }, h("h3", {}, "日督导覆盖"),
      h("a", { class: "filebtn", href: `/reports/coverage?date=${day}`, target: "_blank" }, `打印 ${day} 点位覆盖`)),
  );
}
