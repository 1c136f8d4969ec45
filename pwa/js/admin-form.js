/** The administrator's screens share these: requests beyond GET/POST, forms with per-field errors,
 * tables, the section bar. The server's 422 names fields in `error.fields`; each message is shown
 * next to its field, and a failed save leaves every value where it was. */
import { AuthError, BadResponseError, HttpError, NetworkError } from "./api.js";
import { h, toast } from "./ui.js";

export const SECTIONS = [
  ["units", "单位", "责任单位（社区、专班、科室）及负责人、联系方式"],
  ["users", "人员", "账号、角色、所属单位，重置密码"],
  ["points", "点位", "检查点位的表格与地图，批量导入导出"],
  ["boundaries", "边界", "社区边界：上传 GeoJSON，预览受影响点位后保存"],
  ["checklists", "检查表", "点位类型与测评条目、责任单位、整改时限"],
  ["holidays", "节假日", "法定节假日与调休上班，决定工作日期限"],
  ["settings", "设置", "函件落款、提示函审核、月度考评计分规则"],
  ["audit", "操作日志", "谁在何时修改了什么"],
];

export const ROLE_NAMES = { inspector: "督导员", community: "责任单位人员", supervisor: "督导检查专班",
  leader: "领导小组", admin: "管理员" };

export const KIND_NAMES = { community: "社区", task_force: "专班", office: "科室" };

/** Turn a non-2xx answer into the same error types api.js uses; keep the whole body for callers. */
function failure(status, json) {
  const e = json?.error;
  if (e && typeof e.code === "string" && typeof e.message === "string") {
    if (status === 401) return new AuthError();
    const err = new HttpError(status, e.code, e.message, e.fields && typeof e.fields === "object" ? e.fields : {});
    err.body = json;
    return err;
  }
  if (status >= 500) return new HttpError(status, "server_error", `服务器暂时无法处理（${status}），请稍后重试`);
  return new BadResponseError(status);
}

/**
 * One JSON request with the bearer token (PATCH, PUT, or a POST answering 204).
 * @returns {Promise<any>} the parsed answer, or null for 204
 */
export async function call(ctx, method, path, body, { timeout = 30000 } = {}) {
  const headers = { Accept: "application/json", Authorization: `Bearer ${ctx.session?.token || ""}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method === "POST") headers["Idempotency-Key"] = crypto.randomUUID();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  let resp;
  let text;
  try {
    resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal });
    text = await resp.text();
  } catch (cause) {
    throw controller.signal.aborted ? new NetworkError("请求超时，请稍后重试", { timeout: true, cause })
      : new NetworkError(undefined, { cause });
  } finally {
    clearTimeout(timer);
  }
  let json;
  if ((resp.headers.get("Content-Type") || "").includes("json")) {
    try { json = JSON.parse(text); } catch { json = undefined; }
  }
  if (resp.ok) {
    if (resp.status === 204) return null;
    if (json === undefined) throw new BadResponseError(resp.status);
    return json;
  }
  throw failure(resp.status, json);
}

/**
 * Upload a file as multipart field "file", reporting upload progress (fetch cannot).
 * @param {(fraction: number|null) => void} onProgress  0–1 while sending, null while the server works
 */
export function upload(ctx, path, file, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("Authorization", `Bearer ${ctx.session?.token || ""}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Idempotency-Key", crypto.randomUUID());
    xhr.timeout = 180000;
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.upload.onload = () => onProgress(null);
    xhr.onload = () => {
      let json;
      try { json = JSON.parse(xhr.responseText); } catch { json = undefined; }
      if (xhr.status >= 200 && xhr.status < 300 && json !== undefined) resolve(json);
      else reject(failure(xhr.status, json));
    };
    xhr.onerror = () => reject(new NetworkError());
    xhr.ontimeout = () => reject(new NetworkError("上传超时，请稍后重试", { timeout: true }));
    const body = new FormData();
    body.append("file", file, file.name);
    xhr.send(body);
  });
}

/** Fetch a file with the bearer token and hand it to the browser as a download. */
export async function download(ctx, path, filename) {
  let resp;
  try {
    resp = await fetch(path, { headers: { Authorization: `Bearer ${ctx.session?.token || ""}` } });
  } catch (cause) {
    throw new NetworkError(undefined, { cause });
  }
  if (!resp.ok) {
    let json;
    try { json = await resp.json(); } catch { json = undefined; }
    throw failure(resp.status, json);
  }
  const blob = await resp.blob();
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

/**
 * What to do with an error outside a screen's first load: a lost session or a pending password
 * change is the router's business (showing the screen again makes its first GET report it);
 * anything else is shown. @returns {string} the message shown
 */
export function reportError(ctx, err, box = null) {
  if (err?.name === "AuthError" || err?.code === "password_change_required") {
    ctx.go(location.hash);
    return "";
  }
  const message = err?.name === "NetworkError" ? "无法连接服务器，请检查网络后重试" : (err?.message || String(err));
  if (box) {
    box.textContent = message;
    box.hidden = false;
  }
  toast(message, "error");
  return message;
}

/** The bar of admin sections shown atop every admin screen. */
export function adminNav(current) {
  return h("nav", { class: "admin-nav", "aria-label": "管理功能" },
    ...SECTIONS.map(([key, label]) => h("a", { href: `#/a/${key}`, class: key === current ? "active" : null,
      "aria-current": key === current ? "page" : null }, label)));
}

/** The top of an admin screen: section bar, title, an optional line of explanation. */
export function adminHead(current, title, note) {
  return [adminNav(current), h("h1", {}, title), note ? h("p", { class: "muted note" }, note) : null];
}

/** Normalise a server field path: "grades.1.min_score" and "grades[1].min_score" are the same. */
export function fieldPath(key) {
  return String(key).replace(/\.(\d+)(?=\.|$)/g, "[$1]");
}

/** Show a set of {path: message} next to the inputs carrying data-path; return what had no input. */
export function markFields(root, fields) {
  const rest = {};
  for (const [key, message] of Object.entries(fields || {})) {
    // "scoring.base.value" falls back to "scoring.base", then "scoring": the nearest input named.
    let path = fieldPath(key);
    let target = null;
    for (;;) {
      target = root.querySelector(`[data-path="${CSS.escape(path)}"]`);
      const shorter = path.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
      if (target || shorter === path) break;
      path = shorter;
    }
    const text = Array.isArray(message) ? message.join("；") : String(message);
    if (!target) { rest[key] = text; continue; }
    const wrap = target.closest(".field") || target.parentElement;
    let err = wrap.querySelector(":scope > .field-error");
    if (!err) { err = h("div", { class: "field-error", role: "alert" }); wrap.append(err); }
    err.textContent = err.textContent ? `${err.textContent}；${text}` : text;
    err.hidden = false;
    const input = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
    input?.setAttribute("aria-invalid", "true");
  }
  return rest;
}

/** Remove every field message under a root. */
export function clearFields(root) {
  for (const el of root.querySelectorAll(".field-error")) { el.textContent = ""; el.hidden = true; }
  for (const el of root.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/**
 * One input with its label and its error line.
 * spec: {name, label, type: text|number|select|checkbox|textarea|tel|password|date, options: [[value, label]],
 *        required, hint, placeholder, list, min, max, step, value, disabled, wide, autocomplete}
 */
export function field(spec, idPrefix) {
  const id = `${idPrefix}-${spec.name}`;
  const common = { id, name: spec.name, "data-path": spec.name, disabled: spec.disabled,
    "aria-describedby": `${id}-err` };
  let input;
  if (spec.type === "select") {
    input = h("select", common, ...(spec.options || []).map(([v, label]) =>
      h("option", { value: v, selected: String(spec.value ?? "") === String(v) }, label)));
  } else if (spec.type === "textarea") {
    input = h("textarea", { ...common, placeholder: spec.placeholder, rows: 3 });
    input.value = spec.value ?? "";
  } else if (spec.type === "checkbox") {
    input = h("input", { ...common, type: "checkbox", checked: !!spec.value });
  } else {
    input = h("input", { ...common, type: spec.type || "text", placeholder: spec.placeholder, list: spec.list,
      min: spec.min, max: spec.max, step: spec.step, autocomplete: spec.autocomplete || "off",
      inputmode: spec.type === "number" ? "decimal" : undefined });
    input.value = spec.value ?? "";
  }
  const error = h("div", { class: "field-error", id: `${id}-err`, role: "alert", hidden: true });
  const label = spec.type === "checkbox"
    ? h("label", { for: id, class: "check" }, input, h("span", {}, spec.label))
    : h("label", { for: id }, spec.label, spec.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null);
  const el = h("div", { class: `field${spec.wide ? " wide" : ""}${spec.type === "checkbox" ? " checkbox" : ""}`,
    dataset: { field: spec.name } },
  label, spec.type === "checkbox" ? null : input, spec.hint ? h("div", { class: "hint" }, spec.hint) : null, error);
  return { spec, el, input, error };
}

/** The value of a field as the API wants it: numbers as numbers (empty → null), checkboxes as booleans. */
function valueOf({ spec, input }) {
  if (spec.type === "checkbox") return input.checked;
  if (spec.type === "number") {
    const text = input.value.trim();
    return text === "" ? null : Number(text);
  }
  if (spec.type === "select" && spec.numeric) return input.value === "" ? null : Number(input.value);
  return input.value.trim();
}

/**
 * A form whose save never loses what was typed: errors appear next to their fields.
 * @param {{id: string, title?: string, fields: object[], submitLabel: string, onSubmit: (values: object) => Promise<void>,
 *          onCancel?: () => void, ctx: object, note?: Node|string}} opts
 */
export function createForm({ id, title, fields, submitLabel, onSubmit, onCancel, ctx, note }) {
  const made = fields.map((spec) => field(spec, id));
  const general = h("div", { class: "form-error", role: "alert", hidden: true });
  const submit = h("button", { class: "primary", type: "submit" }, submitLabel);
  const el = h("form", { class: "panel aform", id, novalidate: true },
    title ? h("h3", {}, title) : null,
    note ? h("p", { class: "muted" }, note) : null,
    h("div", { class: "grid" }, ...made.map((f) => f.el)),
    general,
    h("div", { class: "buttons" }, submit,
      onCancel ? h("button", { type: "button", class: "cancel", onclick: onCancel }, "取消") : null));
  const api = {
    el,
    fields: Object.fromEntries(made.map((f) => [f.spec.name, f])),
    values() {
      return Object.fromEntries(made.filter((f) => !f.spec.skip).map((f) => [f.spec.name, valueOf(f)]));
    },
    clear() {
      clearFields(el);
      general.hidden = true;
      general.textContent = "";
    },
    /** Show a server refusal: field messages beside fields, the rest above the buttons. */
    showError(err) {
      api.clear();
      if (err?.name === "AuthError" || err?.code === "password_change_required") return reportError(ctx, err);
      const rest = markFields(el, err?.fields);
      const extra = Object.values(rest);
      const base = err?.name === "NetworkError" ? "无法连接服务器，请检查网络后重试（已填写的内容仍保留）"
        : (err?.message || String(err));
      general.textContent = extra.length ? `${base}：${extra.join("；")}` : base;
      general.hidden = false;
      el.querySelector("[aria-invalid=true]")?.focus();
      return general.textContent;
    },
  };
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    api.clear();
    const missing = {};
    for (const f of made) {
      if (f.spec.required && !f.input.disabled && valueOf(f) === "") missing[f.spec.name] = `请填写${f.spec.label}`;
      if (f.spec.required && f.spec.type === "number" && valueOf(f) === null) missing[f.spec.name] = `请填写${f.spec.label}`;
      if (f.spec.type === "number" && f.input.value.trim() !== "" && !Number.isFinite(Number(f.input.value))) {
        missing[f.spec.name] = "请填写数字";
      }
    }
    if (Object.keys(missing).length) {
      api.showError(new HttpError(422, "invalid", "请检查标出的项目", missing));
      return;
    }
    submit.disabled = true;
    const label = submit.textContent;
    submit.textContent = "正在保存…";
    try {
      await onSubmit(api.values(), api);
    } catch (err) {
      api.showError(err);
    } finally {
      submit.disabled = false;
      submit.textContent = label;
    }
  });
  return api;
}

/**
 * A table that scrolls sideways inside its own box on a narrow screen.
 * @param {{id: string, columns: [string, (row: any) => any][], rows: any[], empty?: string, rowAttrs?: (row) => object}} opts
 */
export function dataTable({ id, columns, rows, empty = "暂无数据", rowAttrs = () => ({}) }) {
  return h("div", { class: "scroll-x table-box" }, h("table", { class: "ledger admin-table", id },
    h("thead", {}, h("tr", {}, ...columns.map(([label]) => h("th", { scope: "col" }, label)))),
    h("tbody", {}, rows.length
      ? rows.map((row) => h("tr", rowAttrs(row), ...columns.map(([label, cell]) => h("td", { "data-label": label }, cell(row)))))
      : h("tr", {}, h("td", { colspan: columns.length, class: "muted empty" }, empty)))));
}

/** A button that asks once more in place before doing something hard to undo. */
export function confirmButton(label, question, onConfirm, attrs = {}) {
  const box = h("span", { class: "confirm" });
  const idle = () => box.replaceChildren(h("button", { type: "button", class: "small", ...attrs, onclick: ask }, label));
  function ask() {
    box.replaceChildren(h("span", { class: "ask" }, question),
      h("button", { type: "button", class: "small danger", "data-confirm": "yes", onclick: async (e) => {
        e.currentTarget.disabled = true;
        try { await onConfirm(); } finally { if (box.isConnected) idle(); }
      } }, "确认"),
      h("button", { type: "button", class: "small", onclick: idle }, "取消"));
  }
  idle();
  return box;
}

/** 上一页 / 第 n 页 / 下一页. */
export function pager(page, pages, go, id = "pager") {
  return h("div", { class: "pager", id },
    h("button", { type: "button", class: "small", disabled: page <= 1, onclick: () => go(page - 1) }, "上一页"),
    h("span", { class: "muted" }, `第 ${page} / ${pages} 页`),
    h("button", { type: "button", class: "small", disabled: page >= pages, onclick: () => go(page + 1) }, "下一页"));
}

/** A progress bar: fraction 0–1, or null for "working, length unknown". */
export function progressBar(label) {
  const bar = h("div", { class: "progress" }, h("div"));
  const text = h("span", { class: "progress-label" }, label);
  const el = h("div", { class: "progress-box", role: "status" }, text, bar);
  return {
    el,
    set(fraction, message) {
      if (message) text.textContent = message;
      bar.classList.toggle("busy", fraction === null);
      bar.firstChild.style.width = fraction === null ? "100%" : `${Math.round(fraction * 100)}%`;
    },
  };
}

/** "是"/"否"-style yes/no tag. */
export function activeTag(active) {
  return h("span", { class: `tag ${active ? "on" : "off"}` }, active ? "启用" : "已停用");
}
