/** 单位: the responsible units (社区, 专班, 科室), their heads and contacts; add, edit, retire. */
import { activeTag, adminHead, call, createForm, dataTable, KIND_NAMES, reportError } from "../admin-form.js";
import { h, render, toast } from "../ui.js";

const filters = { kind: "", active: "" };

function unitForm(ctx, unit, done) {
  const editing = !!unit;
  return createForm({
    ctx,
    id: "unit-form",
    title: editing ? `编辑单位：${unit.name}` : "新增单位",
    submitLabel: editing ? "保存修改" : "新增",
    onCancel: done,
    fields: [
      { name: "name", label: "名称", required: true, value: unit?.name, placeholder: "如：永胜社区" },
      { name: "kind", label: "类型", type: "select", required: true, value: unit?.kind || "community",
        options: Object.entries(KIND_NAMES) },
      { name: "head", label: "负责人", value: unit?.head, placeholder: "如：党委书记姓名" },
      { name: "contact", label: "联系人", value: unit?.contact },
      { name: "phone", label: "联系电话", type: "tel", value: unit?.phone },
      ...(editing ? [{ name: "active", label: "启用", type: "checkbox", value: unit.active }] : []),
    ],
    async onSubmit(values) {
      const saved = editing
        ? await call(ctx, "PATCH", `/api/v1/units/${unit.id}`, values)
        : await ctx.api.post("/api/v1/units", values, { idempotencyKey: crypto.randomUUID() });
      toast(editing ? `已保存：${saved?.name || values.name}` : `已新增：${saved?.name || values.name}`);
      await show(ctx);
    },
  });
}

export async function show(ctx) {
  const shownFor = location.hash;
  const { items } = await ctx.api.get("/api/v1/units");
  if (location.hash !== shownFor) return; // the user moved on while this loaded
  const formHost = h("div", { id: "unit-form-host" });
  const pageError = h("div", { class: "form-error", id: "units-error", role: "alert", hidden: true });
  const openForm = (unit) => {
    pageError.hidden = true;
    const form = unitForm(ctx, unit, () => formHost.replaceChildren());
    formHost.replaceChildren(form.el);
    form.fields.name.input.focus();
    formHost.scrollIntoView({ block: "start", behavior: "smooth" });
  };
  const setActive = async (unit, active, button) => {
    pageError.hidden = true;
    button.disabled = true;
    try {
      await call(ctx, "PATCH", `/api/v1/units/${unit.id}`, { active });
      toast(active ? `已启用：${unit.name}` : `已停用：${unit.name}`);
      await show(ctx);
    } catch (err) {
      button.disabled = false;
      reportError(ctx, err, pageError);
    }
  };
  const shown = items.filter((u) => (!filters.kind || u.kind === filters.kind) &&
    (filters.active === "" || String(u.active) === filters.active));
  const sel = (key, options) => {
    const el = h("select", { id: `u-${key}`, onchange: () => { filters[key] = el.value; show(ctx); } },
      ...options.map(([v, label]) => h("option", { value: v, selected: filters[key] === v }, label)));
    return el;
  };
  render(
    ...adminHead("units", "责任单位", "社区、专班、科室都是责任单位：问题按点位、边界或检查条目的责任分工派发给它们。停用的单位不再接收派发。"),
    h("div", { class: "toolbar" },
      h("button", { type: "button", class: "primary", id: "add-unit", onclick: () => openForm(null) }, "新增单位"),
      h("div", { class: "filters inline" },
        h("label", {}, "类型", sel("kind", [["", "全部"], ...Object.entries(KIND_NAMES)])),
        h("label", {}, "状态", sel("active", [["", "全部"], ["true", "启用"], ["false", "已停用"]])))),
    formHost,
    pageError,
    h("p", { class: "muted", id: "units-total" }, `共 ${shown.length} 个单位`),
    dataTable({
      id: "units",
      rows: shown,
      rowAttrs: (u) => ({ dataset: { unit: u.id }, class: u.active ? null : "retired" }),
      columns: [
        ["名称", (u) => h("b", {}, u.name)],
        ["类型", (u) => u.kind_label || KIND_NAMES[u.kind] || u.kind],
        ["负责人", (u) => u.head || "—"],
        ["联系人", (u) => u.contact || "—"],
        ["电话", (u) => u.phone || "—"],
        ["未销号问题", (u) => String(u.open_findings ?? 0)],
        ["边界", (u) => (u.kind === "community"
          ? h("a", { href: `#/a/boundaries/${u.id}` }, u.has_boundary ? "已设置" : "未设置")
          : "—")],
        ["状态", (u) => activeTag(u.active)],
        ["操作", (u) => h("span", { class: "row-actions" },
          h("button", { type: "button", class: "small", dataset: { action: "edit" }, onclick: () => openForm(u) }, "编辑"),
          h("button", { type: "button", class: "small", dataset: { action: u.active ? "retire" : "restore" },
            onclick: (e) => setActive(u, !u.active, e.currentTarget) }, u.active ? "停用" : "启用"))],
      ],
    }),
  );
}
