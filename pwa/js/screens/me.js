/** Who is signed in, storage used, changing one's password, and signing out (refused while records are unsynced). */
import { call, createForm, ROLE_NAMES } from "../admin-form.js";
import { h, render, toast } from "../ui.js";

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export async function show(ctx, sub) {
  if (sub === "password") return showPassword(ctx);
  const user = ctx.session.user;
  const est = await ctx.store.estimate();
  const counts = await ctx.store.counts();
  render(
    h("h1", {}, "我的"),
    h("div", { class: "card" },
      h("div", { class: "name" }, `${user.display_name}（${user.username}）`),
      h("div", { class: "muted" }, { ...ROLE_NAMES, community: "社区" }[user.role] || user.role)),
    h("div", { class: "card storage", id: "storage" },
      h("div", {}, est?.quota ? `本机已用存储 ${mb(est.usage)} / 可用 ${mb(est.quota)}` : "无法读取存储用量"),
      h("div", {}, `待同步记录 ${counts.pending + counts.syncing + counts.rejected + counts.conflict} 条，` +
        `待上传照片 ${counts.photos_pending} 张，草稿 ${counts.draft} 条`)),
    h("a", { class: "button block", id: "change-password", href: "#/me/password" }, "修改密码"),
    h("button", { class: "block", id: "logout", type: "button", onclick: () => ctx.signOut() }, "退出登录"),
  );
}

/** 修改密码: from 我的, or forced after signing in with a temporary password. */
function showPassword(ctx) {
  const forced = !!ctx.session.must_change_password;
  const user = ctx.session.user;
  const form = createForm({
    ctx,
    id: "password-form",
    submitLabel: "确认修改",
    onCancel: forced ? null : () => ctx.go("#/me"),
    fields: [
      { name: "old_password", label: forced ? "临时密码" : "当前密码", type: "password", required: true,
        autocomplete: "current-password", wide: true },
      { name: "new_password", label: "新密码", type: "password", required: true, autocomplete: "new-password",
        hint: "至少 8 位，不能与用户名相同，不能使用常见的简单密码", wide: true },
      { name: "repeat", label: "再次输入新密码", type: "password", required: true, autocomplete: "new-password",
        wide: true, skip: true },
    ],
    async onSubmit(values, f) {
      if (values.new_password !== f.fields.repeat.input.value) {
        const err = new Error("两次输入的新密码不一致");
        err.fields = { repeat: "两次输入的新密码不一致" };
        throw err;
      }
      await call(ctx, "POST", "/api/v1/auth/password",
        { old_password: values.old_password, new_password: values.new_password });
      toast("密码已修改");
      await ctx.passwordChanged();
      if (!forced) ctx.go("#/me");
    },
  });
  render(
    h("h1", {}, "修改密码"),
    forced
      ? h("div", { class: "notice warn", id: "forced-note", role: "alert" },
        h("b", {}, `${user.display_name}（${user.username}），您正在使用管理员发放的临时密码。`),
        h("div", {}, "请先设置自己的密码，之后才能使用其他功能。"))
      : h("p", { class: "muted" }, "修改后，您在其他设备上的登录将失效，需要用新密码重新登录。"),
    form.el,
    forced ? h("button", { class: "block", id: "logout", type: "button", onclick: () => ctx.signOut() }, "退出登录") : null,
  );
  form.fields.old_password.input.focus();
}
