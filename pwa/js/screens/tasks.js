/** Re-inspection tasks: findings the community reported rectified, nearest first. */
import { loadTasks } from "../refdata.js";
import { distanceM, formatDistance, h, render } from "../ui.js";

/** The router starts following the position when this screen opens. */
export const usesPosition = true;

export async function show(ctx) {
  const { tasks, fresh } = await loadTasks(ctx);
  // A task is done here once its verification is on its way or synced after this rectification;
  // a draft stays listed (继续复查), and a rework brings the task back with a newer rectification.
  const mine = (await ctx.store.listRecords({})).filter((r) => r.kind === "verification");
  const handled = (t) => mine.some((r) => r.body.finding_id === t.id && (["pending", "syncing"].includes(r.state)
    || (r.state === "synced" && (!t.rectified_at || new Date(r.synced_at || 0) > new Date(t.rectified_at)))));
  const drafts = new Set(mine.filter((r) => r.state === "draft").map((r) => r.body.finding_id));
  const open = tasks.filter((t) => !handled(t));
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
          h("span", { class: "muted" }, `${t.code} · ${t.unit_name || t.community_name || ""} · ${drafts.has(t.id) ? "继续复查" : "待复查"}`)),
        h("span", { class: "dist" }, formatDistance(dist(t)))))))
      : h("p", { class: "muted" }, "暂无待复查的问题"),
  );
}
