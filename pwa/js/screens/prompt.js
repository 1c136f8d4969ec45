/** One prompt letter: its problems and the leaders' instructions; a supervisor reviews a draft
 * (keep problems, add a note, merge another draft of the unit, issue); a leader records 批示. */
import { call } from "../admin-form.js";
import { instructionList, problemCount, problemTable } from "../letters.js";
import { h, render, toast } from "../ui.js";

const BACK = { community: "#/c/list", supervisor: "#/s/queue", leader: "#/l/home", admin: "#/s/ledger" };

/** Run a request; show the server's Chinese message when refused. */
async function attempt(errors, fn) {
  errors.textContent = "";
  try {
    return await fn();
  } catch (err) {
    const detail = err?.fields ? Object.values(err.fields).join("；") : "";
    errors.textContent = `未能完成：${err?.message || err}${detail ? `（${detail}）` : ""}`;
    toast(errors.textContent, "error");
    return null;
  }
}

function reviewForms(ctx, l, others) {
  const errors = h("div", { class: "errors" });
  // A problem no longer overdue (settled: answered, rectified, voided, returned…) is left out at issue.
  const keep = new Map(l.problems.map((p) => [p.finding_id, false]));
  for (const p of l.problems) if (!p.settled) keep.set(p.finding_id, true);
  const allSettled = l.problems.length > 0 && l.problems.every((p) => p.settled);
  const table = problemTable(l.problems, { select: (p) => p.settled
    ? h("span", { class: "status s-closed settled", title: "已不再逾期，签发时不列入" }, p.settled)
    : h("input", { type: "checkbox", checked: true, "aria-label": `保留 ${p.code}`,
      onchange: (e) => keep.set(p.finding_id, e.target.checked) }) });
  const note = h("textarea", { id: "draft-note", placeholder: "可补充的要求（可不填）" }, l.body.note || "");
  const save = h("button", { type: "button", id: "draft-save", disabled: allSettled, onclick: async () => {
    const ids = [...new Set(l.problems.map((p) => p.finding_id).filter((id) => keep.get(id)))];
    if (await attempt(errors, () => call(ctx, "PATCH", `/api/v1/letters/${l.id}`, { finding_ids: ids, note: note.value }))) {
      toast("草稿已保存");
      show(ctx, String(l.id));
    }
  } }, "保存草稿");
  const issue = h("button", { type: "button", class: "primary", id: "draft-issue", disabled: allSettled, onclick: async () => {
    if (!confirm("签发后即编号、注明日期并呈报领导，不能撤回。确定签发？")) return;
    const done = await attempt(errors, () => ctx.api.post(`/api/v1/letters/${l.id}/issue`, {}, { idempotencyKey: crypto.randomUUID() }));
    if (!done) return;
    const leftOut = done.body?.left_out?.length || 0;
    toast(leftOut ? `已签发 ${done.number}；${leftOut} 个已不再逾期的问题未列入` : `已签发 ${done.number}`);
    show(ctx, String(l.id));
  } }, "签发");
  const merge = others.length ? h("div", { class: "merge" },
    h("label", {}, "合并本单位的另一份草稿", h("select", { id: "merge-with" },
      ...others.map((o) => h("option", { value: o.id }, `草稿 #${o.id}（${problemCount(o.problems)} 个问题）`)))),
    h("button", { type: "button", id: "draft-merge", onclick: async () => {
      const other = Number(document.getElementById("merge-with").value);
      if (await attempt(errors, () => ctx.api.post(`/api/v1/letters/${l.id}/merge`, { letter_id: other }, { idempotencyKey: crypto.randomUUID() }))) {
        toast("已合并"); show(ctx, String(l.id));
      }
    } }, "合并")) : null;
  return h("section", { class: "panel", id: "draft-review" }, h("h3", {}, "审核草稿"),
    h("p", { class: "muted" }, "取消勾选的问题不再列入本函；已答复、整改、作废或退回的问题签发时自动不列入。签发时编号，新期限为签发日起2个工作日。"),
    allSettled ? h("p", { class: "notice warn", id: "draft-moot" },
      "草稿中的问题均已不再逾期，无需签发；下次逾期扫描时此草稿将自动撤销。") : null,
    table, h("label", {}, "补充要求", note), merge, errors, h("div", { class: "actions" }, save, issue));
}

function instructionForm(ctx, l) {
  const errors = h("div", { class: "errors" });
  const text = h("textarea", { id: "instruction-text", required: true, placeholder: "如：请该社区主要负责同志亲自督办，限期整改到位。" });
  return h("form", { class: "panel", id: "instruction-form", onsubmit: async (e) => {
    e.preventDefault();
    if (!text.value.trim()) { errors.textContent = "请填写批示内容"; return; }
    const done = await attempt(errors, () => ctx.api.post(`/api/v1/letters/${l.id}/instructions`, { text: text.value },
      { idempotencyKey: crypto.randomUUID() }));
    if (done) { toast("批示已记录，责任单位可见"); show(ctx, String(l.id)); }
  } }, h("h3", {}, "阅处 / 批示"), text, errors, h("button", { class: "primary block", type: "submit" }, "记录批示"));
}

export async function show(ctx, id) {
  const role = ctx.session.user.role;
  const l = await ctx.api.get(`/api/v1/letters/${id}`);
  const draft = l.status === "draft";
  let others = [];
  if (draft && ["supervisor", "admin"].includes(role)) {
    const page = await ctx.api.get(`/api/v1/letters?kind=prompt&status=draft&unit_id=${l.unit_id}&per_page=50`);
    others = page.items.filter((o) => o.id !== l.id);
  }
  render(
    h("p", {}, h("a", { href: BACK[role] || "#/", id: "back-link" }, "← 返回")),
    h("h1", {}, `${l.kind_label} ${l.number || "（草稿）"}`),
    h("p", {}, h("strong", {}, l.unit_name || "未派发"), " ", draft ? h("span", { class: "status s-assigned" }, "草稿待签发")
      : h("span", { class: "muted" }, ` · 签发于 ${l.issued_at.slice(0, 10)} · 新期限 ${l.new_due}`)),
    h("p", {}, h("a", { class: "filebtn", href: l.url, target: "_blank", id: "letter-page" }, "查看/打印函件")),
    draft && ["supervisor", "admin"].includes(role) ? reviewForms(ctx, l, others)
      : h("section", { class: "panel" }, h("h3", {}, `逾期问题（${problemCount(l.problems)}）`), problemTable(l.problems)),
    draft ? null : h("section", { class: "panel", id: "instructions" }, h("h3", {}, "领导批示"), instructionList(l.instructions)),
    !draft && role === "leader" ? instructionForm(ctx, l) : null,
  );
}
