/** 责任清单 for the supervision task force: issue a unit's weekly or monthly list (starting from
 * last period's), see each unit's completion, confirm or send back completed items, print. */
import { call, reportError } from "../admin-form.js";
import { localMonth, localWeek } from "../clock.js";
import { campaignNav } from "../evidence.js";
import { h, render, toast } from "../ui.js";
import { loadUnits, unitOptions } from "../units.js";
import { itemRow, periodLabel } from "./campaign-duty.js";

const pct = (x) => (x === null || x === undefined ? "—" : `${Math.round(x * 100)}%`);

function itemInputs(item = { text: "", indicator: "", due: "" }) {
  return h("div", { class: "duty-item-row" },
    h("input", { name: "text", placeholder: "工作事项", value: item.text }),
    h("input", { name: "indicator", placeholder: "指标要求", value: item.indicator }),
    h("input", { name: "due", type: "date", value: item.due }),
    h("button", { type: "button", class: "link", onclick: (e) => e.target.closest(".duty-item-row").remove() }, "删除"));
}

function issueForm(ctx, units, period) {
  const unit = h("select", { name: "unit_id", id: "d-unit" }, ...unitOptions(units, ["", "请选择责任单位"]));
  const per = h("input", { name: "period", id: "d-period", value: period, placeholder: "2026-W49 或 2026-12" });
  const rows = h("div", { id: "d-items" }, itemInputs());
  const err = h("p", { class: "error", id: "issue-error" });
  const copy = h("button", { type: "button", id: "d-copy", onclick: async () => {
    if (!unit.value) { err.textContent = "请先选择责任单位"; return; }
    try {
      const d = await ctx.api.get(`/api/v1/duty-lists/draft?unit_id=${unit.value}&period=${encodeURIComponent(per.value)}`);
      if (!d.items.length) { toast("上期没有清单可复制"); return; }
      rows.replaceChildren(...d.items.map(itemInputs));
      toast(`已复制 ${d.copied_from} 的清单`);
    } catch (e) { reportError(ctx, e); }
  } }, "复制上期清单");
  return h("form", { class: "panel", id: "issue-form", onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = "";
    const items = [...rows.querySelectorAll(".duty-item-row")].map((r) => ({
      text: r.querySelector("[name=text]").value.trim(), indicator: r.querySelector("[name=indicator]").value.trim(),
      due: r.querySelector("[name=due]").value })).filter((i) => i.text || i.due);
    try {
      await call(ctx, "POST", "/api/v1/duty-lists", { unit_id: Number(unit.value) || null, period: per.value.trim(), items });
      toast("责任清单已下发");
      await show(ctx, per.value.trim());
    } catch (e2) {
      err.textContent = [e2.message, ...Object.entries(e2.fields || {}).map(([k, v]) => `${k}：${v}`)].join("；");
    }
  } },
  h("h3", {}, "下发责任清单"),
  h("label", {}, "责任单位", unit), h("label", {}, "周期（周 2026-W49 / 月 2026-12）", per), copy,
  rows, h("button", { type: "button", onclick: () => rows.append(itemInputs()) }, "添加事项"),
  err, h("button", { type: "submit", class: "primary" }, "下发"));
}

function reviewButtons(ctx, item, period) {
  if (item.status !== "completed") return null;
  const note = h("input", { name: "note", placeholder: "意见（退回时必填）" });
  const act = (what) => async () => {
    try {
      await call(ctx, "POST", `/api/v1/duty-items/${item.id}/${what}`, { note: note.value });
      toast(what === "confirm" ? "已确认" : "已退回");
      await show(ctx, period);
    } catch (e) { reportError(ctx, e); }
  };
  return h("div", { class: "review-form" }, note,
    h("button", { type: "button", class: "primary", onclick: act("confirm") }, "确认完成"),
    h("button", { type: "button", onclick: act("reject") }, "退回"));
}

export async function show(ctx, period = null) {
  period = period || localWeek();
  const [units, rep, lists] = await Promise.all([loadUnits(ctx),
    ctx.api.get(`/api/v1/reports/duty?period=${encodeURIComponent(period)}`).catch(() => null),
    ctx.api.get(`/api/v1/duty-lists?period=${encodeURIComponent(period)}&per_page=200`)]);
  const pick = h("input", { id: "duty-period", value: period, onchange: () => show(ctx, pick.value.trim()) });
  render(
    campaignNav("#/s/campaign", "duty"),
    h("h1", {}, "责任清单"),
    h("label", {}, "查看周期", pick,
      h("button", { type: "button", onclick: () => show(ctx, localWeek()) }, "本周"),
      h("button", { type: "button", onclick: () => show(ctx, localMonth()) }, "本月")),
    issueForm(ctx, units, period),
    rep ? h("div", { class: "panel" }, h("h3", {}, `${periodLabel(period)} 完成情况`),
      h("div", { class: "scroll-x" }, h("table", { class: "ledger", id: "duty-report" },
        h("thead", {}, h("tr", {}, ...["单位", "事项", "已完成", "逾期", "完成率"].map((t) => h("th", {}, t)))),
        h("tbody", {}, ...rep.rows.filter((r) => r.items).map((r) => h("tr", { class: r.overdue ? "late" : "", dataset: { unit: r.unit_id } },
          h("td", {}, r.name), h("td", {}, r.items), h("td", {}, r.done), h("td", {}, r.overdue), h("td", {}, pct(r.rate)))))))) : null,
    lists.items.length ? h("div", { id: "duty-lists" }, ...lists.items.map((l) => h("section", { class: "panel", dataset: { list: l.id } },
      h("h3", {}, `${l.unit_name} · ${periodLabel(l.period)}`),
      h("ul", { class: "list" }, ...l.items.map((i) => itemRow(i, reviewButtons(ctx, i, period)))),
      h("a", { class: "filebtn", href: l.url, target: "_blank" }, "打印责任提示清单"))))
      : h("p", { class: "muted" }, "本周期还没有下发的清单"),
  );
}
