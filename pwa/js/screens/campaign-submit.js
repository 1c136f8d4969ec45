/** 信息报送 for a unit: this half-month's status (and a reminder near its end), a form that works
 * offline (queued with its photos like a rectification), and what the unit has submitted. */
import { campaignNav, outcome, photoPicker, queuePost } from "../evidence.js";
import { h, render, toast } from "../ui.js";

export const KINDS = { experience: "经验做法", news: "工作动态", typical: "典型事例" };
export const LEVELS = { street: "街道", city: "市级", province: "省级", national: "国家级" };

/** "2026-12-1" → "2026年12月上半月（1–15日）". */
export function halfLabel(half) {
  if (!half) return "";
  const [y, m, n] = half.period.split("-");
  return `${y}年${Number(m)}月${n === "1" ? "上" : "下"}半月（${half.from.slice(5)} 至 ${half.to.slice(5)}）`;
}

/** What became of a submission. */
export function reviewText(s) {
  if (!s.review) return ["待审核", "pending"];
  return s.review.adopted ? [`已采用（${s.review.level_label}）`, "adopted"] : ["未采用", "declined"];
}

function item(s) {
  const [text, cls] = reviewText(s);
  return h("li", { dataset: { submission: s.id } },
    h("div", { class: "row" },
      h("span", {}, h("span", { class: "name" }, s.title), h("br"),
        h("span", { class: "muted" }, `${KINDS[s.kind]} · ${s.received_at.slice(0, 16).replace("T", " ")} · ${s.author || ""}`)),
      h("span", { class: `state ${cls}` }, text)),
    s.review?.note ? h("div", { class: "muted" }, `审核意见：${s.review.note}`) : null);
}

export async function show(ctx) {
  let page;
  try {
    page = await ctx.api.get("/api/v1/submissions");
    await ctx.store.putCache("my-submissions", page);
  } catch (err) {
    if (err?.name === "AuthError") throw err;
    page = (await ctx.store.getCache("my-submissions")) || { items: [], total: 0, half: null };
  }
  const half = page.half;
  const title = h("input", { name: "title", id: "s-title", maxlength: 100, required: true });
  const kind = h("select", { name: "kind", id: "s-kind" },
    ...Object.entries(KINDS).map(([v, t]) => h("option", { value: v }, t)));
  const body = h("textarea", { name: "body", id: "s-body", rows: 6, placeholder: "主题、做法、措施、成效（图片资料须有活动层级、地点、时间）" });
  const photos = photoPicker(ctx, "添加图片资料", "submission");
  const err = h("p", { class: "error", id: "submit-error" });
  const form = h("form", { class: "panel", id: "submit-form", onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = "";
    if (!title.value.trim() || !body.value.trim()) { err.textContent = "请填写标题和内容"; return; }
    const shots = photos.shots();
    const result = await queuePost(ctx, "submit", "submission", { title: title.value.trim(), kind: kind.value,
      body: body.value, photo_ids: shots.map((s) => s.id) }, shots);
    if (result.state === "rejected") { err.textContent = outcome(result); return; }
    toast(outcome(result));
    await show(ctx);
  } },
  h("h3", {}, "报送信息"),
  h("label", {}, "标题", title), h("label", {}, "类别", kind), h("label", {}, "内容", body),
  photos.el, err, h("button", { class: "primary", type: "submit" }, "报送"));
  render(
    campaignNav("#/c/campaign", "submit"),
    h("h1", {}, "信息报送"),
    h("p", { class: "muted", id: "half-status" },
      half ? `${halfLabel(half)}：本单位已报送 ${page.total} 条（每半月至少 1 条）` : "离线：显示上次加载的内容"),
    half?.remind ? h("p", { class: "banner warn", id: "submit-reminder" },
      `本半月还没有报送信息，${half.days_left === 0 ? "今天是最后一天" : `还剩 ${half.days_left + 1} 天`}，请尽快报送。`) : null,
    form,
    h("h3", {}, "本半月已报送"),
    page.items.length ? h("ul", { class: "list", id: "my-submissions" }, ...page.items.map(item))
      : h("p", { class: "muted" }, "本半月还没有报送"),
  );
}
