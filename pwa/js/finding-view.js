/** A finding as people read it: status, deadlines, before/after photos side by side, letters, history. */
import { openLightbox } from "./dialogs.js";
import { h, formatTime } from "./ui.js";

export const STATUS_LABELS = { unassigned: "待派发", assigned: "待答复", returned: "待改派", replied: "整改中",
  rectified: "待复查", closed: "已销号", void: "已作废" };
const ACTION_LABELS = { create: "录入", assign: "派发", reply: "答复", return: "回退", deny_return: "驳回回退",
  rectify: "整改完成", request_extension: "申请延期", approve_extension: "同意延期", deny_extension: "不同意延期",
  set_deadline: "调整时限", set_severity: "调整严重程度", verify: "复查通过", reject: "复查不通过（返工）", void: "作废", prompt: "提示函",
  escalate: "升级督办", instruction: "领导批示", resight: "再次发现（仍未整改）" };
const FLAG_LABELS = { late_entry: "非当日录入", gps_far_from_point: "定位偏离点位", provisional_deadline: "时限待定",
  extension_pending: "延期待批", photo_reused: "照片重复使用", exif_mismatch: "照片定位与现场不符",
  photo_not_fresh: "照片非现场即时拍摄", escalated: "督办" };

// Flags a reviewer should see in a list: the evidence is in doubt.
const REVIEW_FLAGS = ["photo_not_fresh", "exif_mismatch", "photo_reused", "gps_far_from_point", "late_entry"];

/** The review flags of a finding as small tags, in Chinese. */
export function flagTags(f) {
  return (f.flags || []).filter((x) => REVIEW_FLAGS.includes(x))
    .map((x) => h("span", { class: "tag warn flag", dataset: { flag: x } }, FLAG_LABELS[x]));
}

/** 待答复 · 逾期 — overdue is a flag beside the status, never a status. */
export function statusBadge(f) {
  return h("span", { class: `status s-${f.status}` }, STATUS_LABELS[f.status] || f.status,
    f.overdue ? h("span", { class: "overdue" }, f.overdue_reply ? "答复逾期" : "整改逾期") : null);
}

function photos(f, stage) {
  const list = f.photos.filter((p) => p.stage === stage);
  if (!list.length) return h("div", { class: "nophoto" }, "暂无");
  const alt = stage === "before" ? "整改前照片" : stage === "after" ? "整改后照片" : "复查照片";
  // The whole photo (never cropped); a click shows it large in the page, a middle click in a tab.
  return list.map((p) => h("a", { href: p.display_url, target: "_blank", rel: "noopener",
    onclick: (event) => { event.preventDefault(); openLightbox(p.display_url, alt); } },
  h("img", { src: p.thumb_url, alt, loading: "lazy" })));
}

/** Where the finding was recorded, when no registered point says it (or it waits to be assigned). */
export function needsMiniMap(f) {
  return f.lat !== null && f.lat !== undefined && (!f.point_name || ["unassigned", "returned"].includes(f.status));
}

function row(label, value) {
  return value === null || value === undefined || value === "" ? null
    : h("tr", {}, h("th", {}, label), h("td", {}, value));
}

/**
 * @param {any} f a finding from the API
 * @param {{letters?: any[]}} opts
 */
export function findingView(f, { letters = [] } = {}) {
  const history = (f.history || []).slice().reverse();
  return h("section", { class: "finding", dataset: { finding: f.id, status: f.status } },
    h("h2", {}, `${f.code} `, statusBadge(f)),
    h("p", { class: "what" }, h("strong", {}, f.item_text), f.description ? `：${f.description}` : ""),
    h("table", { class: "facts" }, h("tbody", {},
      row("责任单位", f.unit_name || f.community_name || "未派发"),
      row("严重程度", f.severity_label ? h("span", { class: `severity sv-${f.severity}` }, f.severity_label) : null),
      row("点位", f.point_name || (f.lat !== null ? `未登记点位（${f.lat.toFixed(5)}, ${f.lon.toFixed(5)}）` : "")),
      row("地址", f.address),
      row("发现", `${formatTime(f.found_at)} · ${f.inspector || ""} · ${f.source}`),
      row("答复期限", f.reply_due), row("整改时限", f.rectify_due),
      row("派发依据", f.assignment?.detail),
      row("答复", f.reply ? `${f.reply.measures}（责任人 ${f.reply.responsible}${f.reply.phone ? ` ${f.reply.phone}` : ""}，计划 ${f.reply.planned_date} 完成）` : null),
      row("延期申请", f.extension ? `申请延至 ${f.extension.until}：${f.extension.reason}` : null),
      row("标记", (f.flags || []).map((x) => FLAG_LABELS[x] || x).join("、")),
      row("返工/退回", f.rework_count || f.return_count ? `返工 ${f.rework_count} 次，退回 ${f.return_count} 次` : null))),
    needsMiniMap(f) ? h("div", { class: "minimap", id: "minimap", role: "img", "aria-label": "发现位置地图" }) : null,
    h("div", { class: "pair" },
      h("figure", {}, ...[photos(f, "before")].flat(), h("figcaption", {}, "整改前")),
      h("figure", {}, ...[photos(f, "after")].flat(), h("figcaption", {}, "整改后"))),
    f.photos.some((p) => p.stage === "verify")
      ? h("div", { class: "pair" }, h("figure", {}, ...[photos(f, "verify")].flat(), h("figcaption", {}, "复查"))) : null,
    letters.length ? h("p", { class: "letters" }, "函件：", ...letters.map((l) =>
      h("a", { href: l.kind === "prompt" ? `#/letter/${l.id}` : l.url, target: l.kind === "prompt" ? null : "_blank",
        rel: "noopener", class: "letter" }, `${l.kind_label} ${l.number || "（草稿）"}`))) : null,
    h("h3", {}, "处理记录"),
    h("ol", { class: "history" }, ...history.map((e) => h("li", {},
      h("span", { class: "when" }, formatTime(e.at)), " ",
      h("strong", {}, ACTION_LABELS[e.action] || e.action), " ",
      e.actor ? e.actor.display_name : "系统",
      e.from && e.to && e.from !== e.to ? `（${STATUS_LABELS[e.from]} → ${STATUS_LABELS[e.to]}）` : "",
      e.note ? h("div", { class: "note" }, e.note) : null))),
  );
}
