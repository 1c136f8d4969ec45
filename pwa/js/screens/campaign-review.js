/** 信息报送 for the supervision task force: the half-month ranking (adopted, then submitted;
 * units below the minimum marked) and the review of each item: 采用 at a level, with a note. */
import { call, download, reportError } from "../admin-form.js";
import { localDay } from "../clock.js";
import { campaignNav } from "../evidence.js";
import { h, render, toast } from "../ui.js";
import { halfLabel, KINDS, LEVELS, reviewText } from "./campaign-submit.js";

/** The current half-month and the five before it, newest first. */
function recentHalves(today) {
  let [y, m] = today.split("-").map(Number);
  let n = Number(today.slice(8)) <= 15 ? 1 : 2;
  const out = [];
  for (let i = 0; i < 6; i += 1) {
    out.push(`${y}-${String(m).padStart(2, "0")}-${n}`);
    if (n === 2) n = 1; else { n = 2; m -= 1; if (m === 0) { m = 12; y -= 1; } }
  }
  return out;
}

function rankingTable(rep) {
  return h("div", { class: "scroll-x" }, h("table", { class: "ledger", id: "submission-ranking" },
    h("thead", {}, h("tr", {}, ...["名次", "单位", "报送", "采用", "达标"].map((t) => h("th", {}, t)))),
    h("tbody", {}, ...rep.rows.map((r) => h("tr", { class: r.met_minimum ? "" : "late", dataset: { unit: r.unit_id } },
      h("td", {}, r.rank), h("td", {}, r.name), h("td", {}, r.submitted), h("td", {}, r.adopted),
      h("td", {}, r.met_minimum ? "是" : "未达最低要求"))))));
}

function reviewForm(ctx, s, half) {
  const adopted = h("select", { name: "adopted" }, h("option", { value: "1" }, "采用"), h("option", { value: "0" }, "不采用"));
  const level = h("select", { name: "level" }, ...Object.entries(LEVELS).map(([v, t]) => h("option", { value: v }, t)));
  const note = h("input", { name: "note", placeholder: "审核意见" });
  adopted.addEventListener("change", () => { level.disabled = adopted.value === "0"; });
  return h("form", { class: "review-form", dataset: { submission: s.id }, onsubmit: async (e) => {
    e.preventDefault();
    const yes = adopted.value === "1";
    try {
      await call(ctx, "POST", `/api/v1/submissions/${s.id}/review`,
        { adopted: yes, level: yes ? level.value : null, note: note.value });
      toast("已审核");
      await show(ctx, half);
    } catch (err) { reportError(ctx, err); }
  } }, adopted, level, note, h("button", { type: "submit", class: "primary" }, "审核"));
}

export async function show(ctx, half = null) {
  const halves = recentHalves(localDay());
  half = half || halves[0];
  const [rep, page] = await Promise.all([ctx.api.get(`/api/v1/reports/submissions?half=${half}`),
    ctx.api.get(`/api/v1/submissions?half=${half}&per_page=200`)]);
  const pick = h("select", { id: "half", onchange: () => show(ctx, pick.value) },
    ...halves.map((x) => h("option", { value: x, selected: x === half }, x)));
  render(
    campaignNav("#/s/campaign", "submit"),
    h("h1", {}, "信息报送"),
    h("label", {}, "半月", pick),
    h("p", { class: "muted" }, `${halfLabel(page.half)}；每个专班、社区每半月至少报送 1 条。`),
    h("div", { class: "panel" }, h("h3", {}, "报送与采用排名"), rankingTable(rep),
      h("button", { type: "button", id: "archive", onclick: () => download(ctx,
        `/api/v1/submissions/archive.zip?half=${half}`, `信息报送-${half}.zip`).catch((e) => reportError(ctx, e)) },
      "材料归档（导出索引与图片）")),
    h("h3", {}, `本半月报送（${page.total} 条）`),
    page.items.length ? h("ul", { class: "list", id: "submissions" }, ...page.items.map((s) => {
      const [text, cls] = reviewText(s);
      return h("li", { dataset: { submission: s.id } },
        h("div", { class: "row" }, h("span", {}, h("span", { class: "name" }, `${s.unit_name}：${s.title}`), h("br"),
          h("span", { class: "muted" }, `${KINDS[s.kind]} · ${s.received_at.slice(0, 16).replace("T", " ")}`)),
        h("span", { class: `state ${cls}` }, text)),
        h("details", {}, h("summary", {}, "内容"), h("p", { class: "body-text" }, s.body),
          s.photo_ids.length ? h("div", { class: "photos" }, ...s.photo_ids.map((p) =>
            h("div", { class: "photo" }, h("img", { src: `/api/v1/photos/${p}?variant=thumb`, alt: "图片资料" })))) : null),
        s.reviewed ? null : reviewForm(ctx, s, half));
    })) : h("p", { class: "muted" }, "本半月还没有报送"),
  );
}
