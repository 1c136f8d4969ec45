/** 人员: accounts, roles and units; a new account or a reset shows its temporary password once. */
import { activeTag, adminHead, call, confirmButton, createForm, dataTable, reportError, ROLE_NAMES } from "../admin-form.js";
import { formatTime, h, render, toast } from "../ui.js";

const filters = { role: "", unit_id: "", q: "", active: "" };
/** A temporary password waiting to be read; shown once, above everything, until dismissed. */
let secret = null;

function secretPanel(onClose) {
  const { user, temporary_password: password, reset } = secret;
  const code = h("code", { class: "secret", id: "temp-password" }, password);
  const copy = h("button", { type: "button", id: "copy-password", onclick: async () => {
    try {
      await navigator.clipboard.writeText(password);
      copy.textContent = "已复制";
    } catch {
      // No clipboard permission: select the text so the admin can copy it by hand.
      getSelection().selectAllChildren(code);
      copy.textContent = "请手动复制";
    }
  } }, "复制");
  return h("div", { class: "panel secret-panel", id: "secret-panel", role: "alert" },
    h("h3", {}, reset ? `已重置 ${user.display_name} 的密码` : `已创建账号：${user.display_name}`),
    h("p", {}, `用户名：`, h("b", { id: "temp-username" }, user.username)),
    h("div", { class: "secret-row" }, h("span", {}, "临时密码："), code, copy),
    h("p", { class: "warn-text" },
      "这个临时密码只显示这一次，离开本页后无法再查看。请当面或电话告知本人；",
      "首次登录时系统会要求立即修改密码。"),
    h("button", { type: "button", class: "primary", id: "secret-done", onclick: onClose }, "我已记下"));
}

function userForm(ctx, user, units, done) {
  const editing = !!user;
  const unitOptions = [["", "（无）"], ...units.filter((u) => u.active || u.id === user?.unit_id)
    .map((u) => [String(u.id), `${u.name}${u.active ? "" : "（已停用）"}`])];
  const form = createForm({
    ctx,
    id: "user-form",
    title: editing ? `编辑人员：${user.display_name}（${user.username}）` : "新增人员",
    submitLabel: editing ? "保存修改" : "创建账号",
    onCancel: done,
    note: editing ? null : "创建后系统生成临时密码，本人首次登录时须修改。",
    fields: [
      ...(editing ? [] : [{ name: "username", label: "用户名", required: true, placeholder: "字母、数字，登录时使用",
        autocomplete: "off" }]),
      { name: "display_name", label: "姓名", required: true, value: user?.display_name },
      { name: "role", label: "角色", type: "select", required: true, value: user?.role || "inspector",
        options: Object.entries(ROLE_NAMES) },
      { name: "unit_id", label: "所属单位", type: "select", numeric: true, value: user?.unit_id ?? "",
        options: unitOptions, hint: "责任单位人员必须选择所属单位" },
      { name: "phone", label: "手机号", type: "tel", value: user?.phone || "" },
      ...(editing ? [{ name: "active", label: "启用（停用后立即不能登录）", type: "checkbox", value: user.active }] : []),
    ],
    async onSubmit(values) {
      if (values.role === "community" && values.unit_id === null) {
        const err = new Error("请检查标出的项目");
        err.fields = { unit_id: "责任单位人员必须选择所属单位" };
        throw err;
      }
      if (editing) {
        const saved = await call(ctx, "PATCH", `/api/v1/users/${user.id}`, values);
        toast(`已保存：${saved?.display_name || values.display_name}`);
      } else {
        const answer = await ctx.api.post("/api/v1/users", values, { idempotencyKey: crypto.randomUUID() });
        secret = { user: answer.user || { ...values, id: answer.id }, temporary_password: answer.temporary_password };
      }
      await show(ctx);
    },
  });
  // Only 责任单位人员 belong to a unit; for the other roles the choice is cleared and locked.
  const role = form.fields.role.input;
  const unit = form.fields.unit_id.input;
  const sync = () => {
    unit.disabled = role.value !== "community";
    if (unit.disabled) unit.value = "";
  };
  role.addEventListener("change", sync);
  sync();
  return form;
}

export async function show(ctx) {
  const shownFor = location.hash;
  const [{ items }, units] = await Promise.all([
    ctx.api.get("/api/v1/users"), ctx.api.get("/api/v1/units").then((r) => r.items)]);
  if (location.hash !== shownFor) return; // the user moved on while this loaded
  const formHost = h("div", { id: "user-form-host" });
  const pageError = h("div", { class: "form-error", id: "users-error", role: "alert", hidden: true });
  const openForm = (user) => {
    secret = null;
    document.getElementById("secret-panel")?.remove();
    const form = userForm(ctx, user, units, () => formHost.replaceChildren());
    formHost.replaceChildren(form.el);
    (form.fields.username || form.fields.display_name).input.focus();
    formHost.scrollIntoView({ block: "start", behavior: "smooth" });
  };
  const act = async (fn) => {
    pageError.hidden = true;
    try { await fn(); } catch (err) { reportError(ctx, err, pageError); }
  };
  const q = filters.q.trim().toLowerCase();
  const shown = items.filter((u) => (!filters.role || u.role === filters.role) &&
    (!filters.unit_id || String(u.unit_id) === filters.unit_id) &&
    (filters.active === "" || String(u.active) === filters.active) &&
    (!q || u.username.toLowerCase().includes(q) || (u.display_name || "").toLowerCase().includes(q)));
  const sel = (key, options) => {
    const el = h("select", { id: `p-${key}`, onchange: () => { filters[key] = el.value; show(ctx); } },
      ...options.map(([v, label]) => h("option", { value: v, selected: filters[key] === v }, label)));
    return el;
  };
  const search = h("input", { type: "search", id: "p-q", value: filters.q, placeholder: "姓名或用户名",
    onchange: () => { filters.q = search.value; show(ctx); } });
  const panel = secret ? secretPanel(() => { secret = null; document.getElementById("secret-panel")?.remove(); }) : null;
  render(
    ...adminHead("users", "人员", "角色决定能看到和能做的事：督导员在手机上检查，责任单位人员答复整改，专班派发复查，领导小组查看，管理员维护。"),
    panel,
    h("div", { class: "toolbar" },
      h("button", { type: "button", class: "primary", id: "add-user", onclick: () => openForm(null) }, "新增人员"),
      h("div", { class: "filters inline" },
        h("label", {}, "角色", sel("role", [["", "全部"], ...Object.entries(ROLE_NAMES)])),
        h("label", {}, "单位", sel("unit_id", [["", "全部"], ...units.map((u) => [String(u.id), u.name])])),
        h("label", {}, "状态", sel("active", [["", "全部"], ["true", "启用"], ["false", "已停用"]])),
        h("label", {}, "查找", search))),
    formHost,
    pageError,
    h("p", { class: "muted", id: "users-total" }, `共 ${shown.length} 人`),
    dataTable({
      id: "users",
      rows: shown,
      rowAttrs: (u) => ({ dataset: { user: u.id, username: u.username }, class: u.active ? null : "retired" }),
      columns: [
        ["姓名", (u) => h("b", {}, u.display_name)],
        ["用户名", (u) => u.username],
        ["角色", (u) => ROLE_NAMES[u.role] || u.role],
        ["所属单位", (u) => u.unit_name || "—"],
        ["手机号", (u) => u.phone || "—"],
        ["状态", (u) => h("span", {}, activeTag(u.active),
          u.must_change_password ? h("span", { class: "tag warn" }, "待改密") : null)],
        ["最近登录", (u) => (u.last_login_at ? formatTime(u.last_login_at) : "从未登录")],
        ["操作", (u) => h("span", { class: "row-actions" },
          h("button", { type: "button", class: "small", dataset: { action: "edit" }, onclick: () => openForm(u) }, "编辑"),
          confirmButton("重置密码", "重置后旧密码立即失效，确认？", () => act(async () => {
            const answer = await call(ctx, "POST", `/api/v1/users/${u.id}/reset-password`, {});
            secret = { user: answer.user || u, temporary_password: answer.temporary_password, reset: true };
            await show(ctx);
          }), { dataset: { action: "reset" } }),
          h("button", { type: "button", class: "small", dataset: { action: u.active ? "retire" : "restore" },
            onclick: () => act(async () => {
              await call(ctx, "PATCH", `/api/v1/users/${u.id}`, { active: !u.active });
              toast(u.active ? `已停用：${u.display_name}` : `已启用：${u.display_name}`);
              await show(ctx);
            }) }, u.active ? "停用" : "启用"))],
      ],
    }),
  );
  if (panel) document.getElementById("copy-password").focus();
}

export function leave() {
  secret = null; // a temporary password is shown once: not again after leaving the screen
}
