/** 日督导、周通报、月问效: pick a week, a month (last month one tap away) or a day, read the tables
 * (by rank), publish the week's bulletin (期号), open the printable page. */
import { addDays, localDay, localMonth, localWeek } from "../clock.js";
import { h, render, toast } from "../ui.js";

const pct = (x) => (x === null || x === undefined ? "—" : `${Math.round(x * 100)}%`);

/** Rows by rank, the unranked last. */
export function byRank(rows) {
  return rows.slice().sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity));
}

/** The month before "YYYY-MM". */
export function previousMonth(month) {
  return addDays(`${month}-01`, -1).slice(0, 7);
}

/** One weekly table: units of one kind, by rank; the bottom list marked. */
function weeklyTable(id, label, rows, bottom = []) {
  const low = new Set(bottom.map((b) => b.community_id));
  return h("div", { class: "scroll-x" }, h("table", { class: "ledger", id },
    h("thead", {}, h("tr", {}, ...["排名", label, "新增", "销号", "未销号", "答复逾期", "整改逾期", "按时答复率", "按期结案率", "返工", "仍未整改"]
      .map((t) => h("th", {}, t)))),
    h("tbody", {}, ...byRank(rows).map((c) => h("tr", { class: low.has(c.community_id) ? "bottom" : null, dataset: { unit: c.community_id } },
      h("td", {}, c.rank ?? "—"), h("td", { class: "nowrap" }, c.name), h("td", {}, c.new), h("td", {}, c.closed), h("td", {}, c.open),
      h("td", {}, c.overdue_replies), h("td", {}, c.overdue_rectifications), h("td", {}, pct(c.on_time_reply_rate)),
      h("td", {}, pct(c.on_time_close_rate)), h("td", {}, c.rework), h("td", {}, c.resightings ?? 0))))));
}

/** 倒数名单 as a line (only units below the median, at most a third of the ranked). */
function bottomLine(rows) {
  return h("p", { class: "muted bottom-line" }, "倒数：", rows.length
    ? rows.map((b) => `${b.name}（第${b.rank}名）`).join("、") : "本期无（仅列得分低于中位数且不超过三分之一的单位）");
}

// The terms of the monthly score, as the settings name them (a unit sees why it lost points).
const TERMS = { overdue_reply: "逾期答复", overdue_rectification: "逾期整改", rework: "返工",
  on_time_reply_rate: "按时答复率", on_time_close_rate: "按期结案率", missed_submission: "未报送信息",
  adopted_submission: "信息采用", overdue_duty_item: "责任清单逾期", general_problem: "一般问题",
  serious_problem: "严重问题" };
const KIND_LABELS = { community: "社区", task_force: "专班", office: "科室" };
const KIND_ORDER = ["community", "task_force", "office"];

/** The monthly grades of every unit, by kind then rank, with each non-zero term of its score. */
function monthlyTable(rows) {
  const terms = (r) => Object.entries(r.terms || {}).filter(([, v]) => v)
    .map(([k, v]) => `${TERMS[k] || k} ${v > 0 ? "+" : ""}${v}`).join("；") || "—";
  const sorted = KIND_ORDER.flatMap((kind) => byRank(rows.filter((r) => r.kind === kind)));
  return h("div", { class: "scroll-x" }, h("table", { class: "ledger", id: "monthly" },
    h("thead", {}, h("tr", {}, ...["类别", "排名", "单位", "得分", "等次", "加减分明细"].map((t) => h("th", {}, t)))),
    h("tbody", {}, ...sorted.map((r) => h("tr", { dataset: { unit: r.unit_id } },
      h("td", {}, KIND_LABELS[r.kind] || r.kind), h("td", {}, r.rank ?? "—"), h("td", { class: "nowrap" }, r.name),
      h("td", {}, r.score), h("td", {}, r.grade), h("td", { class: "terms" }, terms(r)))))));
}

/** A report from the server, or null (shown as 暂无数据) when it cannot be had. */
async function load(ctx, path) {
  try { return await ctx.api.get(path); } catch (err) { if (err?.name === "AuthError") throw err; return null; }
}

/** The issue number, or (for a supervisor, once the week is over) the button that assigns it. */
function issueLine(ctx, week, weekly, redraw) {
  if (!weekly) return null;
  if (weekly.issue) return h("p", { id: "issue", class: "issue-line" }, `已发布：${weekly.issue.number}`);
  if (ctx.session.user.role !== "supervisor") return h("p", { id: "issue", class: "muted" }, "未发布（发布后编期号）");
  const button = h("button", { type: "button", id: "publish", disabled: !weekly.complete, onclick: async () => {
    if (!confirm(`发布 ${week} 周通报？发布即编定期号，不能撤回。`)) return;
    button.disabled = true;
    try {
      const issue = await ctx.api.post("/api/v1/bulletins", { week }, { idempotencyKey: crypto.randomUUID() });
      toast(`周通报已发布：${issue.number}`);
      redraw();
    } catch (err) {
      if (err?.name === "AuthError") throw err;
      toast(`未能发布：${err?.message || err}`, "error");
      button.disabled = false;
    }
  } }, "发布周通报（编期号）");
  return h("p", { id: "issue" }, button, weekly.complete ? null : h("span", { class: "muted" }, " 本周结束后可发布"));
}

export async function show(ctx, picked = {}) {
  const week = picked.week || localWeek();
  const month = picked.month || localMonth();
  const day = picked.day || localDay();
  const [weekly, monthly] = await Promise.all([
    load(ctx, `/api/v1/reports/weekly?week=${week}`), load(ctx, `/api/v1/reports/monthly?month=${month}`)]);
  const go = (change) => show(ctx, { week, month, day, ...change });
  const weekInput = h("input", { type: "week", id: "week", value: week, max: localWeek(), onchange: () => weekInput.value && go({ week: weekInput.value }) });
  const monthInput = h("input", { type: "month", id: "month", value: month, max: localMonth(), onchange: () => monthInput.value && go({ month: monthInput.value }) });
  const dayInput = h("input", { type: "date", id: "day", value: day, max: localDay(), onchange: () => { dayInput.value && go({ day: dayInput.value }); } });
  const lastMonth = previousMonth(localMonth());
  const sections = weekly?.unit_sections || [];
  render(
    h("h1", {}, "报表"),
    h("div", { class: "panel", id: "weekly-panel" }, h("h3", {}, "周通报"),
      h("div", { class: "toolbar" }, h("label", { class: "inline-label" }, "周次", weekInput),
        h("button", { type: "button", class: "small", id: "last-week", onclick: () => go({ week: localWeek(new Date(`${addDays(localDay(), -7)}T12:00:00+08:00`)) }) }, "上周")),
      issueLine(ctx, week, weekly, () => go({})),
      weekly ? [weeklyTable("weekly", "社区", weekly.communities, weekly.bottom_three), bottomLine(weekly.bottom_three)]
        : h("p", { class: "muted" }, "暂无数据"),
      ...sections.map((s) => [h("h4", {}, `${s.label}（单独排名）`),
        weeklyTable(`weekly-${s.kind}`, s.label, s.rows, s.bottom), bottomLine(s.bottom)]).flat(),
      h("a", { class: "filebtn", href: `/reports/weekly?week=${week}`, target: "_blank", id: "print-weekly" }, `打印 ${week} 周通报`)),
    h("div", { class: "panel", id: "monthly-panel" }, h("h3", {}, "月度考评（等次）"),
      h("div", { class: "toolbar" }, h("label", { class: "inline-label" }, "月份", monthInput),
        h("button", { type: "button", class: "small", id: "last-month", onclick: () => go({ month: lastMonth }) }, `上月（${lastMonth}）`)),
      monthly?.units ? monthlyTable(monthly.units) : h("p", { class: "muted" }, "暂无数据"),
      h("a", { class: "filebtn", href: `/reports/monthly?month=${month}`, target: "_blank" }, `打印 ${month} 月度考评`),
      h("a", { class: "filebtn", href: "#/s/yearly", id: "yearly-link" }, "年度创建绩效考核")),
    h("div", { class: "panel", id: "coverage-panel" }, h("h3", {}, "日督导覆盖"),
      h("div", { class: "toolbar" }, h("label", { class: "inline-label" }, "日期", dayInput)),
      h("a", { class: "filebtn", href: `/reports/coverage?date=${day}`, target: "_blank" }, `打印 ${day} 点位覆盖`)),
  );
}
