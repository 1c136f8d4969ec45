/** A unit answers a whole notice on one screen: every problem with measures, person and date;
 * one submit; the unit's reply letter (答复函) follows once nothing of the notice waits. */
import { statusBadge } from "../finding-view.js";
import { localDay, notPast } from "../clock.js";
import { h, render, toast } from "../ui.js";

function problemFields(f, line) {
  const measures = h("textarea", { name: "measures", required: true, placeholder: "整改措施" });
  const responsible = h("input", { name: "responsible", required: true });
  const phone = h("input", { name: "phone", type: "tel" });
  const planned = h("input", { name: "planned_date", type: "date", required: true, min: localDay(), value: notPast(f.rectify_due) });
  const box = h("fieldset", { class: "panel answer", dataset: { finding: f.id } },
    h("legend", {}, `${line.point}（${f.code}）`),
    h("p", {}, line.description || line.item_text, " ", statusBadge(f)),
    h("label", {}, "整改措施", measures), h("label", {}, "责任人", responsible),
    h("label", {}, "联系电话", phone), h("label", {}, "计划完成日期", planned));
  return { box, read: () => ({ finding_id: f.id, measures: measures.value, responsible: responsible.value,
    phone: phone.value, planned_date: planned.value }) };
}

export async function show(ctx, id) {
  const notice = await ctx.api.get(`/api/v1/letters/${id}`);
  const findings = await Promise.all(notice.finding_ids.map((fid) => ctx.api.get(`/api/v1/findings/${fid}`).catch(() => null)));
  const lines = Object.fromEntries(notice.body.items.map((it) => [it.finding_id, it]));
  const waiting = findings.filter((f) => f && f.status === "assigned" && lines[f.id]);
  const done = findings.filter((f) => f && !waiting.includes(f));
  const forms = waiting.map((f) => problemFields(f, lines[f.id]));
  const errors = h("div", { class: "errors", id: "answer-errors" });
  const submit = h("button", { class: "primary block", type: "submit" }, `提交答复（${forms.length} 个问题）`);
  render(
    h("p", {}, h("a", { href: "#/c/list", id: "back-link" }, "← 返回")),
    h("h1", {}, `答复通知函 ${notice.number}`),
    h("p", {}, `${notice.body.inspected_on} 督查发现问题 ${notice.finding_ids.length} 个，答复期限 ${notice.body.reply_due}。`,
      h("a", { href: notice.url, target: "_blank" }, "查看通知函")),
    notice.reply_letter_id ? h("p", { id: "reply-letter" }, "本通知函已答复：",
      h("a", { href: `/letters/${notice.reply_letter_id}`, target: "_blank" }, "查看答复函")) : null,
    forms.length ? h("form", { id: "notice-answer", onsubmit: async (e) => {
      e.preventDefault();
      submit.disabled = true;
      errors.textContent = "";
      try {
        const out = await ctx.api.post(`/api/v1/letters/${notice.id}/reply`, { items: forms.map((x) => x.read()) },
          { idempotencyKey: crypto.randomUUID() });
        toast(out.reply_letter ? `已答复，答复函 ${out.reply_letter.number}` : "已答复");
        show(ctx, id);
      } catch (err) {
        const detail = err?.fields ? Object.values(err.fields).filter((m) => m !== err.message).join("；") : "";
        errors.textContent = `未能提交：${err?.message || err}${detail ? `（${detail}）` : ""}`;
        toast(errors.textContent, "error");
      } finally {
        submit.disabled = false;
      }
    } }, ...forms.map((x) => x.box), errors, submit) : h("p", { class: "muted" }, "本通知函没有待答复的问题。"),
    done.length ? h("section", { class: "panel" }, h("h3", {}, "已处理"), h("ul", { class: "list" },
      ...done.map((f) => h("li", {}, h("a", { href: `#/finding/${f.id}` },
        h("span", {}, `${lines[f.id]?.point || ""}（${f.code}）`), statusBadge(f)))))) : null,
  );
}
