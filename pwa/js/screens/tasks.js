/** Re-inspection tasks: findings the community reported rectified, nearest first. */
import { loadTasks } from "../refdata.js";
import { distanceM, formatDistance, h, render } from "../ui.js";

export async function show(ctx) {
  const { tasks, fresh } = await loadTasks(ctx);
  const done = new Set((await ctx.store.listRecords({})).filter((r) => r.kind === "verification")
    .map((r) => r.body.finding_id));
  const open = tasks.filter((t) => !done.has(t.id));
  if (fresh && navigator.onLine) {
    // Keep the before/after thumbnails for the field: the service worker caches what is fetched.
    for (const t of open) for (const p of t.photos) fetch(p.thumb_url).catch(() => {});
  }
  const fix = ctx.geo.best();
  const dist = (t) => (fix && t.lat !== null ? distanceM(fix.lat, fix.lon, t.lat, t.lon) : Infinity);
  open.sort((a, b) => dist(a) - dist(b));
  render(
    h("h1", {}, "复查任务"),
    fresh ? null : h("p", { class: "muted" }, "离线：显示上次同步的任务"),
    open.length ? h("ul", { class: "list", id: "tasks" }, ...open.map((t) =>
      h("li", {}, h("a", { href: `#/task/${t.id}`, dataset: { finding: t.id } },
        h("span", {}, h("span", { class: "name" }, `${t.point_name || "未登记点位"}：${t.item_text}`), h("br"),
          h("span", { class: "muted" }, `${t.code} · ${t.community_name || ""} · 待复查`)),
        h("span", { class: "dist" }, formatDistance(dist(t)))))))
      : h("p", { class: "muted" }, "暂无待复查的问题"),
  );
}
