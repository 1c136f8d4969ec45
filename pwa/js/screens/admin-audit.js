/** 操作日志: who changed what and when, filtered and paged; before/after shown as the keys that changed. */
import { adminHead, dataTable, pager, reportError } from "../admin-form.js";
import { formatTime, h, render } from "../ui.js";

const PER_PAGE = 50;
const filters = { action: "", target: "", actor_id: "", from: "", to: "" };
let page = 1;

const OBJECTS = { unit: "单位", user: "人员", point: "点位", points: "点位", checklist_item: "检查条目", item: "检查条目",
  location_type: "点位类型", calendar_day: "节假日", calendar_year: "年度放假安排", calendar: "节假日", settings: "设置",
  setting: "设置", letter: "函件", boundary: "社区边界", community: "社区", route: "路线", duty_list: "责任清单",
  submission: "信息报送", checklist: "检查表" };
const VERBS = { create: "新增", add: "新增", update: "修改", patch: "修改", edit: "修改", retire: "停用", deactivate: "停用",
  activate: "启用", restore: "启用", reset_password: "重置密码", password: "修改密码", change_password: "修改密码",
  order: "调整顺序", reorder: "调整顺序", import: "导入", boundary: "设置边界", set_boundary: "设置边界", publish: "发布",
  issue: "签发", merge: "合并", put: "设置", set: "设置", delete: "删除", review: "审核", instruction: "批示" };
const KEYS = { name: "名称", kind: "类型", head: "负责人", contact: "联系人", phone: "电话", active: "启用",
  display_name: "姓名", role: "角色", unit_id: "单位", username: "用户名", location_type: "类型", lat: "纬度",
  lon: "经度", address: "地址", community_id: "社区", text: "内容", category: "类别", limit_days: "整改时限",
  photo_required: "须拍照", position: "顺序", must_change_password: "须修改密码", boundary: "边界", code: "编号",
  office_name: "发函单位", letter_masthead: "函件抬头", contact_person: "联系人", contact_phone: "联系电话",
  prompt_review: "提示函审核", scoring: "计分", grades: "等次", min_cases: "最少案件数", published: "已发布",
  date: "日期", status: "状态", codes: "顺序", id: "ID", kind_label: "类型名称", has_boundary: "已设边界",
  open_findings: "未销号问题", unit_name: "单位名称", last_login_at: "最近登录", points_moved: "改属点位数",
  demo: "演示边界", created: "新增", updated: "更新", community_name: "社区名称", item_count: "条目数" };
// Enumerations shown in words.
const VALUES = { kind: { community: "社区", task_force: "专班", office: "科室" },
  role: { inspector: "督导员", community: "责任单位人员", supervisor: "督导检查专班", leader: "领导小组", admin: "管理员" } };

/** "unit.update" → "修改单位"; unknown words are shown as they are. */
export function actionLabel(action) {
  const parts = String(action || "").split(/[.:/]/);
  const obj = parts.length > 1 ? OBJECTS[parts[0]] : null;
  const verb = VERBS[parts.slice(1).join("_")] || VERBS[parts.at(-1)] || (parts.length === 1 ? VERBS[parts[0]] : null);
  if (obj && verb) return `${verb}${obj}`;
  return VERBS[action] || OBJECTS[action] || action;
}

/** Flatten {scoring: {base: 100}} to {"scoring.base": 100} (one level), so a change names its key. */
function flatten(obj) {
  const out = {};
  for (const [k, v] of Object.entries(obj || {})) {
    if (v && typeof v === "object" && !Array.isArray(v) && !("type" in v && "coordinates" in v)) {
      for (const [k2, v2] of Object.entries(v)) out[`${k}.${k2}`] = v2;
    } else out[k] = v;
  }
  return out;
}

function show1(value, key = "") {
  const words = VALUES[key.split(".").at(-1)];
  if (words && typeof value === "string" && words[value]) return words[value];
  if (value === null || value === undefined || value === "") return "（空）";
  if (value === true) return "是";
  if (value === false) return "否";
  if (typeof value === "object") {
    if (value.type && (value.coordinates || value.features || value.geometry)) return "（边界图形）";
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 80)}…` : text;
  }
  const text = String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function keyLabel(key) {
  const [a, b] = key.split(".");
  return b ? `${KEYS[a] || a}·${KEYS[b] || b}` : KEYS[a] || a;
}

/** The changed keys of a before/after pair as a short list. */
export function diffView(before, after) {
  const b = flatten(before);
  const a = flatten(after);
  if (!before && !after) return h("span", { class: "muted" }, "—");
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])]
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]));
  if (!keys.length) return h("span", { class: "muted" }, "无变化");
  const mode = !before ? "新建" : !after ? "删除" : null;
  return h("ul", { class: "diff" }, mode ? h("li", { class: "muted" }, mode) : null, ...keys.map((k) => h("li", { title: k },
    h("span", { class: "key" }, keyLabel(k)), "：",
    before ? h("del", {}, show1(b[k], k)) : null, before && after ? " → " : null,
    after ? h("ins", {}, show1(a[k], k)) : null)));
}

function query() {
  const p = new URLSearchParams({ page: String(page), per_page: String(PER_PAGE) });
  for (const [k, v] of Object.entries(filters)) if (v) p.set(k, v);
  return p;
}

export async function show(ctx) {
  const shownFor = location.hash;
  const [log, users] = await Promise.all([
    ctx.api.get(`/api/v1/audit?${query()}`),
    ctx.api.get("/api/v1/users").then((r) => r.items).catch((err) => {
      if (err?.name === "AuthError") throw err;
      return [];
    }),
  ]);
  if (location.hash !== shownFor) return; // the user moved on while this loaded
  const pages = Math.max(1, Math.ceil((log.total || 0) / PER_PAGE));
  const apply = () => { page = 1; show(ctx).catch((err) => reportError(ctx, err)); };
  const input = (key, attrs) => {
    const el = h("input", { id: `a-${key}`, value: filters[key], ...attrs,
      onchange: () => { filters[key] = el.value.trim(); apply(); } });
    return el;
  };
  const actor = h("select", { id: "a-actor_id", onchange: () => { filters.actor_id = actor.value; apply(); } },
    h("option", { value: "" }, "全部"),
    ...users.map((u) => h("option", { value: u.id, selected: String(u.id) === filters.actor_id }, `${u.display_name}（${u.username}）`)));
  const actions = [...new Set(log.items.map((e) => e.action))];
  render(
    ...adminHead("audit", "操作日志", "单位、人员、点位、边界、检查表、设置的修改和函件审核都记录在此；密码不会出现在日志中。"),
    h("div", { class: "filters" },
      h("label", {}, "操作", input("action", { list: "audit-actions", placeholder: "如 unit.update" })),
      h("label", {}, "对象", input("target", { placeholder: "如 unit:3" })),
      h("label", {}, "操作人", actor),
      h("label", {}, "自", input("from", { type: "date" })),
      h("label", {}, "至", input("to", { type: "date" }))),
    h("datalist", { id: "audit-actions" }, ...actions.map((a) => h("option", { value: a }, actionLabel(a)))),
    h("p", { class: "muted", id: "audit-total" }, `共 ${log.total} 条，第 ${page}/${pages} 页`),
    dataTable({
      id: "audit",
      rows: log.items,
      empty: "没有符合条件的记录",
      rowAttrs: (e) => ({ dataset: { entry: e.id, action: e.action } }),
      columns: [
        ["时间", (e) => h("span", { class: "nowrap" }, formatTime(e.at))],
        ["操作人", (e) => e.actor?.display_name || h("span", { class: "muted" }, "系统")],
        ["操作", (e) => h("span", {}, actionLabel(e.action), h("br"), h("span", { class: "muted mono small" }, e.action))],
        ["对象", (e) => h("span", { class: "mono" }, e.target || "—")],
        ["变更内容", (e) => diffView(e.before, e.after)],
      ],
    }),
    pages > 1 ? pager(page, pages, (n) => { page = n; show(ctx).catch((err) => reportError(ctx, err)); }, "audit-pager") : null,
  );
}
