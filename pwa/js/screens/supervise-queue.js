/** What waits on the task force: unassigned problems, returns to decide, extensions, rectifications to verify. */
import { statusBadge } from "../finding-view.js";
import { promptCard } from "../letters.js";
import { h, render } from "../ui.js";

function list(items, empty) {
  if (!items.length) return h("p", { class: "muted" }, empty);
  return h("ul", { class: "list" }, ...items.map((f) => h("li", {},
    h("a", { href: `#/finding/${f.id}`, dataset: { finding: f.id } },
      h("span", {}, h("span", { class: "name" }, `${f.point_name || "未登记点位"}：${f.item_text}`), h("br"),
        h("span", { class: "muted" }, `${f.code} · ${f.unit_name || f.community_name || "未派发"} · ${f.assignment?.detail || ""}`)),
      statusBadge(f)))));
}

export async function show(ctx) {
  const get = (q) => ctx.api.get(`/api/v1/findings?per_page=200&${q}`).then((r) => r.items);
  const [unassigned, returned, replied, rectified, drafts] = await Promise.all([
    get("status=unassigned"), get("status=returned"), get("status=replied"), get("status=rectified&sort=found_at"),
    ctx.api.get("/api/v1/letters?kind=prompt&status=draft&order=unit&per_page=200").then((r) => r.items)]);
  const extensions = replied.filter((f) => f.flags.includes("extension_pending"));
  render(
    h("h1", {}, "待处理"),
    h("h2", {}, `提示函草稿待签发（${drafts.length}）`),
    drafts.length ? h("ul", { class: "list", id: "prompt-drafts" }, ...drafts.map(promptCard)) : h("p", { class: "muted" }, "没有待签发的提示函"),
    h("h2", {}, `待派发（${unassigned.length}）`), list(unassigned, "没有待派发的问题"),
    h("h2", {}, `社区回退待改派（${returned.length}）`), list(returned, "没有回退的问题"),
    h("h2", {}, `延期待批（${extensions.length}）`), list(extensions, "没有延期申请"),
    h("h2", {}, `待复查（${rectified.length}）`), list(rectified, "没有待复查的问题"),
  );
}
