/** Every record on this phone and its state: 待同步 / 同步中 / 已同步 / 未通过 (with the server's reason). */
import { ACTION_LABELS } from "../actions.js";
import { STATE_LABELS } from "../outbox.js";
import { typeName } from "../refdata.js";
import { h, formatTime, render } from "../ui.js";

function title(rec) {
  if (rec.kind === "verification") return `复查：${rec.body.verdict === "pass" ? "通过" : "不通过"}`;
  if (rec.kind === "action" && ["submit", "complete_duty"].includes(rec.body.action)) {
    return `${ACTION_LABELS[rec.body.action]}：${rec.body.fields?.title || rec.body.fields?.note || ""}`;
  }
  if (rec.kind === "action") return `${ACTION_LABELS[rec.body.action] || rec.body.action}（问题 ${rec.result?.code || rec.body.finding_id.slice(0, 8)}）`;
  return rec.label || `${typeName(rec.body.location_type) || "检查"}${rec.body.point_id ? "" : "（未登记点位）"}`;
}

/** Failed items the server added to a problem already open (仍未整改), with links to it. */
function resighted(rec) {
  const joined = (rec.findings || []).filter((f) => f.resighting);
  if (!joined.length) return null;
  return h("div", { class: "muted resighted" }, `${joined.length} 项为已有问题“仍未整改”，已记入原问题：`,
    ...joined.map((f, i) => h("a", { href: `#/finding/${f.finding_id}` }, `${i ? "、" : ""}查看`)));
}

function row(rec) {
  const editable = ["draft", "rejected"].includes(rec.state) && rec.kind === "inspection";
  const fails = rec.kind === "inspection" ? rec.body.results.filter((r) => r.result === "fail").length : 0;
  const errors = rec.errors && Object.keys(rec.errors).length
    ? h("div", { class: "errors" }, Object.entries(rec.errors).map(([k, v]) => `${k}：${v}`).join("；")) : null;
  return h("li", { dataset: { record: rec.id, state: rec.state } },
    h("div", { class: "row" },
      h("span", {}, h("span", { class: "name" }, title(rec)), h("br"),
        h("span", { class: "muted" }, formatTime(rec.body.started_at || rec.body.at || rec.created_at),
          rec.kind === "inspection" ? ` · ${rec.body.results.length} 项，不合格 ${fails}` : "")),
      h("span", { class: `state ${rec.state}` }, STATE_LABELS[rec.state] || rec.state)),
    errors,
    resighted(rec),
    editable ? h("a", { href: `#/inspect/record/${rec.id}`, class: "filebtn" }, rec.state === "draft" ? "继续填写" : "修改后重新提交") : null,
    rec.kind === "action" && rec.state === "rejected" && !["submit", "complete_duty"].includes(rec.body.action)
      ? h("a", { href: `#/finding/${rec.body.finding_id}`, class: "filebtn" }, "打开问题重新处理") : null);
}

export async function show(ctx) {
  const records = await ctx.store.listRecords({});
  const counts = await ctx.store.counts();
  render(
    h("h1", {}, "记录"),
    h("p", { class: "muted", id: "outbox-summary" },
      `待同步 ${counts.pending + counts.syncing} · 未通过 ${counts.rejected + counts.conflict} · ` +
      `已同步 ${counts.synced} · 草稿 ${counts.draft} · 待传照片 ${counts.photos_pending}`),
    records.length ? h("ul", { class: "list", id: "records" }, ...records.map(row))
      : h("p", { class: "muted" }, "还没有记录"),
  );
}

export async function onSync(ctx) {
  if (location.hash === "#/outbox") await show(ctx);
}
