/** Who is signed in, storage used, and signing out (refused while records are unsynced). */
import { h, render } from "../ui.js";

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export async function show(ctx) {
  const user = ctx.session.user;
  const est = await ctx.store.estimate();
  const counts = await ctx.store.counts();
  render(
    h("h1", {}, "我的"),
    h("div", { class: "card" },
      h("div", { class: "name" }, `${user.display_name}（${user.username}）`),
      h("div", { class: "muted" }, { inspector: "督导员", supervisor: "督导检查专班", community: "社区",
        leader: "领导小组", admin: "管理员" }[user.role] || user.role)),
    h("div", { class: "card storage", id: "storage" },
      h("div", {}, est?.quota ? `本机已用存储 ${mb(est.usage)} / 可用 ${mb(est.quota)}` : "无法读取存储用量"),
      h("div", {}, `待同步记录 ${counts.pending + counts.syncing + counts.rejected + counts.conflict} 条，` +
        `待上传照片 ${counts.photos_pending} 张，草稿 ${counts.draft} 条`)),
    h("button", { class: "block", id: "logout", type: "button", onclick: () => ctx.signOut() }, "退出登录"),
  );
}
