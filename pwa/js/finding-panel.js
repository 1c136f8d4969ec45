/** A finding with the actions this user may take on it: the community's and the task force's. */
import { loadUnits, unitOptions } from "./units.js";
import { describe, submitAction } from "./act.js";
import { processPhoto, storageRoom } from "./camera.js";
import { localDay, notPast } from "./clock.js";
import { confirmAction } from "./dialogs.js";
import { findingView, needsMiniMap } from "./finding-view.js";
import { drawMiniMap } from "./minimap.js";
import { h, isoNow, toast } from "./ui.js";

function field(label, input) {
  return h("label", {}, label, input);
}

/**
 * A form with one submit button. `look` "ok" (a green go-ahead) or "destructive" (outlined red,
 * and a confirmation first: `confirm` is its question) sets it apart from the usual red button.
 */
function form(title, fields, submitLabel, onSubmit, id, { look = "primary", confirm = "" } = {}) {
  const errors = h("div", { class: "errors" });
  const button = h("button", { class: `${look} block`, type: "submit" }, look === "destructive" ? `⚠ ${submitLabel}` : submitLabel);
  const el = h("form", { class: `panel${look === "destructive" ? " destructive-form" : ""}`, id, onsubmit: async (event) => {
    event.preventDefault();
    if (confirm && !(await confirmAction(`确认${submitLabel}？`, confirm, `确认${submitLabel}`))) return;
    button.disabled = true;
    errors.textContent = "";
    try {
      await onSubmit(errors);
    } catch (err) {
      const detail = err?.fields ? Object.values(err.fields).join("；") : "";
      errors.textContent = `未能提交：${detail || err?.message || err}`;
      toast(errors.textContent, "error");
    } finally {
      button.disabled = false;
    }
  } }, h("h3", {}, title), ...fields, errors, button);
  return el;
}

/** Submit and redraw; show the server's field messages inline when refused. */
async function run(ctx, container, f, action, fields, photos, errorsEl) {
  const result = await submitAction(ctx, f.id, action, fields, photos);
  if (result.state === "rejected" || result.state === "conflict") {
    const message = describe(result);
    toast(message, "error");
    if (Object.keys(result.errors || {}).some((k) => k !== "action")) {
      errorsEl.textContent = message; // a field to correct: the form stays as filled in
      return;
    }
    // Refused for the problem's state (someone acted first): show the problem as it is now.
    await showFindingPanel(ctx, container, f.id);
    container.prepend(h("p", { class: "notice warn", id: "action-refused" }, message));
    return;
  }
  toast(describe(result));
  await showFindingPanel(ctx, container, f.id);
}

function communityForms(ctx, container, f) {
  const out = [];
  if (f.status === "assigned") {
    const measures = h("textarea", { name: "measures", required: true });
    const responsible = h("input", { name: "responsible", required: true });
    const phone = h("input", { name: "phone", type: "tel" });
    const planned = h("input", { name: "planned_date", type: "date", required: true, min: localDay(), value: notPast(f.rectify_due) });
    out.push(form("答复（2个工作日内）", [field("整改措施", measures), field("责任人", responsible),
      field("联系电话", phone), field("计划完成日期", planned)], "提交答复",
    (err) => run(ctx, container, f, "reply", { measures: measures.value, responsible: responsible.value,
      phone: phone.value, planned_date: planned.value }, [], err), "reply-form"));
  }
  if (["assigned", "replied"].includes(f.status)) {
    const shots = [];
    const preview = h("div", { class: "photos", id: "after-photos" });
    const input = h("input", { type: "file", accept: "image/*", capture: "environment", onchange: async () => {
      const room = await storageRoom(() => ctx.store.estimate());
      if (!room.ok) { toast("手机存储空间不足，不能再保存新照片。", "error"); return; }
      for (const file of input.files) {
        let shot;
        try {
          shot = await processPhoto(file, { position: ctx.geo?.best?.() || null, isoNow });
        } catch (err) {
          toast(`照片处理失败：${err.message}`, "error");
          continue;
        }
        shots.push({ id: crypto.randomUUID(), state: "pending", ...shot });
        const url = URL.createObjectURL(new Blob([shot.bytes], { type: shot.type }));
        preview.append(h("div", { class: "photo" }, h("img", { src: url, alt: "整改后照片" })));
      }
      input.value = "";
    } });
    const note = h("textarea", { name: "note", placeholder: "整改情况" });
    out.push(form("整改完成（附整改后照片）", [field("整改情况", note), preview,
      h("label", { class: "filebtn" }, "拍摄整改后照片", input)], "提交整改",
    async (err) => {
      if (!shots.length) { err.textContent = "请至少拍摄一张整改后照片"; return; }
      await run(ctx, container, f, "rectify", { note: note.value, photo_ids: shots.map((s) => s.id) }, shots, err);
    }, "rectify-form"));
  }
  if (f.status === "assigned") {
    const reason = h("textarea", { name: "reason", required: true, placeholder: "说明不属于本社区的理由" });
    out.push(form("回退（非本社区问题）", [field("理由", reason)], "回退",
      (err) => run(ctx, container, f, "return", { reason: reason.value }, [], err), "return-form"));
  }
  if (f.status === "replied" && !f.extension) {
    const reason = h("textarea", { name: "reason", required: true });
    const until = h("input", { name: "until", type: "date", required: true });
    out.push(form("申请延期", [field("理由", reason), field("延期至", until)], "提交申请",
      (err) => run(ctx, container, f, "request_extension", { reason: reason.value, until: until.value }, [], err),
      "extension-form"));
  }
  return out;
}

async function supervisorForms(ctx, container, f) {
  const out = [];
  const noteForm = (title, action, label, id, required = false, opts = {}) => {
    const note = h("textarea", { name: "note", required });
    return form(title, [field(label, note)], opts.submit || title,
      (err) => run(ctx, container, f, action, { note: note.value }, [], err), id, opts);
  };
  if (["unassigned", "returned"].includes(f.status)) {
    const units = (await loadUnits(ctx)).filter((u) => u.id !== (f.status === "returned" ? f.unit_id : null));
    // No unit is preselected: a supervisor picks one on purpose.
    const select = h("select", { name: "community_id", required: true }, ...unitOptions(units, ["", "请选择责任单位"]));
    const note = h("input", { name: "note", placeholder: "派发说明" });
    out.push(form(f.status === "returned" ? "改派" : "派发", [field("责任单位", select), field("说明", note)], "派发",
      (err) => run(ctx, container, f, "assign", { community_id: Number(select.value), note: note.value }, [], err),
      "assign-form"));
    if (f.status === "returned") out.push(noteForm("驳回回退", "deny_return", "理由", "deny-return-form"));
  }
  if (f.status === "rectified") {
    out.push(noteForm("复查通过（销号）", "verify", "复查说明", "verify-form", true, { look: "ok", submit: "✓ 复查通过（销号）" }));
    out.push(noteForm("复查不通过（返工）", "reject", "问题仍在之处", "reject-form", true, { look: "destructive",
      submit: "复查不通过", confirm: "问题将退回责任单位返工，返工次数加 1，计入考评。" }));
  }
  if (f.extension) {
    out.push(noteForm("同意延期", "approve_extension", "意见", "approve-extension-form"));
    out.push(noteForm("不同意延期", "deny_extension", "意见", "deny-extension-form"));
  }
  if (["assigned", "replied"].includes(f.status)) {
    const due = h("input", { name: "rectify_due", type: "date", required: true, value: f.rectify_due || "" });
    const note = h("input", { name: "note" });
    out.push(form("调整整改时限", [field("新时限", due), field("说明", note)], "保存时限",
      (err) => run(ctx, container, f, "set_deadline", { rectify_due: due.value, note: note.value }, [], err),
      "deadline-form"));
  }
  if (!["closed", "void"].includes(f.status)) {
    const other = f.severity === "serious" ? ["general", "一般"] : ["serious", "严重"];
    const why = h("input", { name: "note" });
    out.push(form(`严重程度：${f.severity_label || "一般"}`, [field("说明", why)], `改为“${other[1]}”`,
      (err) => run(ctx, container, f, "set_severity", { severity: other[0], note: why.value }, [], err),
      "severity-form"));
    const reason = h("textarea", { name: "reason", required: true });
    out.push(form("作废", [field("作废理由", reason)], "作废",
      (err) => run(ctx, container, f, "void", { reason: reason.value }, [], err), "void-form",
      { look: "destructive", confirm: `作废后问题 ${f.code} 不再跟踪，且不可恢复（记录保留）。` }));
  }
  return out;
}

/** The finding from the server, or offline the copy kept when it was last seen. */
async function loadFinding(ctx, id) {
  try {
    const [f, letters] = await Promise.all([
      ctx.api.get(`/api/v1/findings/${id}`),
      ctx.api.get(`/api/v1/letters?finding_id=${id}`).then((r) => r.items).catch(() => []),
    ]);
    await ctx.store.putCache(`finding:${id}`, { f, letters });
    return { f, letters, offline: false };
  } catch (err) {
    // Only a failed connection falls back to the copy; a 404 means this user may not see it.
    if (!["NetworkError", "BadResponseError"].includes(err?.name) && !(err?.status >= 500)) throw err;
    const kept = await ctx.store.getCache(`finding:${id}`);
    const listed = ((await ctx.store.getCache("community-findings")) || []).find((x) => x.id === id);
    if (kept) return { ...kept, offline: true };
    if (listed) return { f: listed, letters: [], offline: true };
    throw err;
  }
}

/** Load a finding and its letters into a container, with the forms this role may use. */
export async function showFindingPanel(ctx, container, id) {
  const { f, letters, offline } = await loadFinding(ctx, id);
  const role = ctx.session.user.role;
  const forms = role === "community" ? communityForms(ctx, container, f)
    : role === "supervisor" ? await supervisorForms(ctx, container, f) : [];
  // replaceChildren would print a null as the text "null": leave absent parts out.
  container.replaceChildren(...[
    offline ? h("p", { class: "muted" }, "离线：显示上次加载的内容，提交的操作会在联网后自动送达") : null,
    findingView(f, { letters }), ...forms].filter(Boolean));
  const mini = container.querySelector("#minimap");
  if (mini && needsMiniMap(f)) drawMiniMap(mini, f, ctx).catch(() => { mini.textContent = "地图暂不可用（离线）"; });
  return f;
}
