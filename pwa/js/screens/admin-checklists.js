/** 检查表: location types and their checklist items — text, category, limit, photo rule, the unit that
 * answers for the item (责任分工), order, retirement. */
import { activeTag, adminHead, call, createForm, dataTable, reportError } from "../admin-form.js";
import { h, render, toast } from "../ui.js";

const CATEGORIES = ["公共环境", "公共秩序", "基础设施", "公益宣传", "管理服务"];
let state = null;

function itemForm(item, done) {
  const { ctx, units, type } = state;
  const editing = !!item;
  return createForm({
    ctx,
    id: "item-form",
    title: editing ? `编辑条目 ${item.code}` : `新增条目（${type.name}）`,
    note: editing ? "修改只影响今后的检查；已记录的问题保留原来的条目文字。" : "编号由系统生成，且永不重复使用。",
    submitLabel: editing ? "保存修改" : "新增条目",
    onCancel: done,
    fields: [
      { name: "text", label: "条目内容", type: "textarea", required: true, value: item?.text, wide: true,
        placeholder: "如：路面干净整洁，无积存垃圾、无卫生死角" },
      { name: "category", label: "类别", required: true, value: item?.category || "", list: "category-list",
        hint: "可从列表选择，也可输入新的类别" },
      { name: "limit_days", label: "整改时限（工作日）", type: "number", required: true, min: 1, step: 1,
        value: item?.limit_days ?? 3 },
      { name: "unit_id", label: "责任单位（责任分工）", type: "select", numeric: true, value: item?.unit_id ?? "",
        options: [["", "按点位、边界派发（默认）"], ...units.filter((u) => u.active || u.id === item?.unit_id)
          .map((u) => [String(u.id), u.name])],
        hint: "指定后，此条目不合格的问题一律派给该单位" },
      { name: "severity", label: "严重程度", type: "select", value: item?.severity || "general",
        options: [["general", "一般"], ["serious", "严重"]], hint: "月度考评可按严重程度对新增问题扣分" },
      { name: "photo_required", label: "不合格时必须拍照", type: "checkbox", value: item ? item.photo_required : true },
      ...(editing ? [{ name: "active", label: "启用（停用后从手机检查表中移除）", type: "checkbox", value: item.active }] : []),
    ],
    async onSubmit(values) {
      const saved = editing
        ? await call(ctx, "PATCH", `/api/v1/checklists/items/${encodeURIComponent(item.code)}`, values)
        : await ctx.api.post(`/api/v1/checklists/${encodeURIComponent(type.code)}/items`, values,
          { idempotencyKey: crypto.randomUUID() });
      toast(editing ? `已保存条目 ${item.code}` : `已新增条目 ${saved?.code || ""}`);
      done();
      await loadItems();
    },
  });
}

function openItemForm(item) {
  const host = document.getElementById("item-form-host");
  const form = itemForm(item, () => host.replaceChildren());
  host.replaceChildren(form.el);
  form.fields.text.input.focus({ preventScroll: true });
  host.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

/** Move one item up or down and save the whole order of the type. */
async function move(index, delta, direction) {
  const items = [...state.items];
  const j = index + delta;
  if (j < 0 || j >= items.length) return;
  [items[index], items[j]] = [items[j], items[index]];
  const moved = items[j].code;
  try {
    const answer = await call(state.ctx, "PUT", `/api/v1/checklists/${encodeURIComponent(state.type.code)}/order`,
      { codes: items.map((i) => i.code) });
    state.items = answer?.items ? sortItems(answer.items) : items;
    renderItems();
    document.querySelector(`#items tr[data-code="${CSS.escape(moved)}"] button[data-action="${direction}"]:not(:disabled)`)?.focus();
    document.getElementById("order-status").textContent = "顺序已保存";
  } catch (err) {
    reportError(state.ctx, err);
  }
}

function sortItems(items) {
  return [...items].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
}

async function setItemActive(item, active) {
  try {
    await call(state.ctx, "PATCH", `/api/v1/checklists/items/${encodeURIComponent(item.code)}`, { active });
    toast(`${active ? "已启用" : "已停用"}条目 ${item.code}`);
    await loadItems();
  } catch (err) {
    reportError(state.ctx, err);
  }
}

function renderItems() {
  const { items } = state;
  const active = items.filter((i) => i.active).length;
  document.getElementById("items-total").textContent =
    `${state.type.name}：启用 ${active} 条${items.length > active ? `，已停用 ${items.length - active} 条` : ""}`;
  document.getElementById("items-host").replaceChildren(dataTable({
    id: "items",
    rows: items,
    empty: "此类型还没有检查条目",
    rowAttrs: (i) => ({ dataset: { code: i.code }, class: i.active ? null : "retired" }),
    columns: [
      ["条目内容", (i) => h("span", { class: "item-text" }, i.text)],
      ["编号", (i) => h("span", { class: "mono" }, i.code)],
      ["类别", (i) => i.category],
      ["时限", (i) => `${i.limit_days} 个工作日`],
      ["拍照", (i) => (i.photo_required ? "必须" : "可选")],
      ["严重程度", (i) => (i.severity === "serious" ? h("span", { class: "severity sv-serious" }, "严重") : "一般")],
      ["责任单位", (i) => i.unit_name || h("span", { class: "muted" }, "按点位/边界")],
      ["状态", (i) => activeTag(i.active)],
      ["顺序", (i) => h("span", { class: "order-buttons" },
        h("button", { type: "button", class: "small icon", dataset: { action: "up" }, "aria-label": `上移 ${i.code}`,
          disabled: items.indexOf(i) === 0, onclick: () => move(items.indexOf(i), -1, "up") }, "↑"),
        h("button", { type: "button", class: "small icon", dataset: { action: "down" }, "aria-label": `下移 ${i.code}`,
          disabled: items.indexOf(i) === items.length - 1, onclick: () => move(items.indexOf(i), 1, "down") }, "↓"))],
      ["操作", (i) => h("span", { class: "row-actions" },
        h("button", { type: "button", class: "small", dataset: { action: "edit" }, onclick: () => openItemForm(i) }, "编辑"),
        h("button", { type: "button", class: "small", dataset: { action: i.active ? "retire" : "restore" },
          onclick: () => setItemActive(i, !i.active) }, i.active ? "停用" : "启用"))],
    ],
  }));
}

async function loadItems() {
  const answer = await state.ctx.api.get(`/api/v1/checklists/items?location_type=${encodeURIComponent(state.type.code)}`);
  if (!state) return;
  state.items = sortItems(answer.items || []);
  renderItems();
}

function typeForm(ctx, type, done) {
  const editing = !!type;
  return createForm({
    ctx,
    id: "type-form",
    title: editing ? `修改类型：${type.name}` : "新增点位类型",
    submitLabel: editing ? "保存" : "新增类型",
    onCancel: done,
    fields: [
      ...(editing ? [] : [{ name: "code", label: "类型代码", required: true, placeholder: "英文小写，如 park",
        hint: "用于数据交换，创建后不能修改" }]),
      { name: "name", label: "类型名称", required: true, value: type?.name, placeholder: "如：城市公园" },
      ...(editing ? [{ name: "active", label: "启用（停用后不能再新增此类点位）", type: "checkbox", value: type.active }] : []),
    ],
    async onSubmit(values) {
      if (editing) await call(ctx, "PATCH", `/api/v1/location-types/${encodeURIComponent(type.code)}`, values);
      else await ctx.api.post("/api/v1/location-types", values, { idempotencyKey: crypto.randomUUID() });
      toast(editing ? `已保存类型：${values.name}` : `已新增类型：${values.name}`);
      await show(ctx, editing ? type.code : values.code);
    },
  });
}

export async function show(ctx, code) {
  const shownFor = location.hash;
  const [types, units] = await Promise.all([
    ctx.api.get("/api/v1/location-types").then((r) => r.items),
    ctx.api.get("/api/v1/units").then((r) => r.items),
  ]);
  if (location.hash !== shownFor) return; // the user moved on while this loaded
  const type = types.find((t) => t.code === code) || types.find((t) => t.active) || types[0];
  state = { ctx, types, units, type, items: [] };
  const typeHost = h("div", { id: "type-form-host" });
  const openTypeForm = (t) => {
    const form = typeForm(ctx, t, () => typeHost.replaceChildren());
    typeHost.replaceChildren(form.el);
    (form.fields.code || form.fields.name).input.focus();
  };
  render(
    ...adminHead("checklists", "检查表"),
    h("div", { class: "notice", id: "sync-note" },
      "督导员的手机在下次同步时获取修改后的检查表；已经记录的问题保留记录时的条目文字，不受修改影响。"),
    h("div", { class: "type-list", id: "types", role: "tablist", "aria-label": "点位类型" },
      ...types.map((t) => h("a", { href: `#/a/checklists/${t.code}`, role: "tab", dataset: { type: t.code },
        "aria-selected": t.code === type?.code ? "true" : "false",
        class: `${t.code === type?.code ? "active" : ""}${t.active ? "" : " retired"}` },
      t.name, h("span", { class: "count" }, String(t.item_count ?? "")), t.active ? null : h("span", { class: "tag off" }, "已停用"))),
      h("button", { type: "button", class: "small", id: "add-type", onclick: () => openTypeForm(null) }, "＋ 新增类型")),
    typeHost,
    type ? h("div", { class: "toolbar" },
      h("h2", { id: "type-title" }, `${type.name}`, h("span", { class: "muted mono" }, ` ${type.code}`)),
      h("button", { type: "button", class: "small", id: "edit-type", onclick: () => openTypeForm(type) }, "修改类型"),
      h("button", { type: "button", class: "primary", id: "add-item", onclick: () => openItemForm(null) }, "新增条目")) : null,
    h("datalist", { id: "category-list" }, ...CATEGORIES.map((c) => h("option", { value: c }))),
    h("div", { id: "item-form-host" }),
    h("p", { class: "muted" }, h("span", { id: "items-total" }), " ",
      h("span", { id: "order-status", class: "ok-text", role: "status" })),
    h("div", { id: "items-host" }),
  );
  if (type) {
    await loadItems();
    // Offer the categories already in use as well as the standard five.
    const seen = new Set([...CATEGORIES, ...state.items.map((i) => i.category).filter(Boolean)]);
    document.getElementById("category-list").replaceChildren(...[...seen].map((c) => h("option", { value: c })));
  }
}

export function leave() {
  state = null;
}
