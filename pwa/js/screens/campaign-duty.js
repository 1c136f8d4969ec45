/** 责任清单 for a unit: its weekly and monthly lists, overdue items in red, and each item
 * completed with evidence (a note and/or photos), queued offline like a rectification. */
import { campaignNav, outcome, photoPicker, queuePost } from "../evidence.js";
import { h, render, toast } from "../ui.js";

export const STATUS = { open: "待完成", completed: "待确认", confirmed: "已完成" };

/** "2026-W49" → "2026年第49周", "2026-12" → "2026年12月". */
export function periodLabel(p) {
  const w = p.match(/^(\d{4})-W(\d{2})$/);
  if (w) return `${w[1]}年第${Number(w[2])}周`;
  const [y, m] = p.split("-");
  return `${y}年${Number(m)}月`;
}

function completeForm(ctx, item) {
  const note = h("textarea", { name: "note", rows: 2, placeholder: "完成情况" });
  const photos = photoPicker(ctx, "添加佐证照片", `duty-${item.id}`);
  const err = h("p", { class: "error" });
  return h("form", { class: "complete-form", dataset: { item: item.id }, onsubmit: async (e) => {
    e.preventDefault();
    const shots = photos.shots();
    if (!note.value.trim() && !shots.length) { err.textContent = "请填写完成情况或附照片"; return; }
    const result = await queuePost(ctx, "complete_duty", String(item.id),
      { note: note.value, photo_ids: shots.map((s) => s.id) }, shots);
    if (result.state === "rejected") { err.textContent = outcome(result); return; }
    toast(outcome(result));
    await show(ctx);
  } }, note, photos.el, err, h("button", { type: "submit", class: "primary" }, "报告完成"));
}

/** One item's row: text, indicator, due date (red when overdue), state, and what can be done. */
export function itemRow(item, extra = null) {
  return h("li", { class: item.overdue ? "late" : "", dataset: { item: item.id, status: item.status } },
    h("div", { class: "row" },
      h("span", {}, h("span", { class: "name" }, item.text), h("br"),
        h("span", { class: "muted" }, `指标：${item.indicator || "—"} · 时限 ${item.due}`),
        item.overdue ? h("b", { class: "overdue-tag" }, " 已逾期") : null),
      h("span", { class: `state ${item.status}` }, STATUS[item.status])),
    item.note ? h("div", { class: "muted" }, `完成情况：${item.note}`) : null,
    item.review_note ? h("div", { class: "muted" }, `督导意见：${item.review_note}`) : null,
    extra);
}

export async function show(ctx) {
  let page;
  try {
    page = await ctx.api.get("/api/v1/duty-lists?per_page=12");
    await ctx.store.putCache("my-duty-lists", page);
  } catch (err) {
    if (err?.name === "AuthError") throw err;
    page = (await ctx.store.getCache("my-duty-lists")) || { items: [] };
  }
  render(
    campaignNav("#/c/campaign", "duty"),
    h("h1", {}, "责任清单"),
    page.items.length ? h("div", { id: "duty-lists" }, ...page.items.map((l) => h("section", { class: "panel", dataset: { list: l.id } },
      h("h3", {}, `${periodLabel(l.period)}（${l.from.slice(5)} 至 ${l.to.slice(5)}）`),
      h("ul", { class: "list" }, ...l.items.map((i) => itemRow(i, i.status === "open" ? completeForm(ctx, i) : null))),
      h("a", { class: "filebtn", href: l.url, target: "_blank" }, "打印责任提示清单"))))
      : h("p", { class: "muted" }, "还没有下发的责任清单"),
  );
}
