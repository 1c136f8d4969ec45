/** 设置: what every letter prints, whether prompt letters wait for review, and the monthly scoring
 * rule (weights, grades, minimum cases) — previewed on last month's data before it is saved. */
import { adminHead, call, clearFields, markFields, reportError } from "../admin-form.js";
import { h, render, toast } from "../ui.js";

// The weights of the rule (server/services/reports/scoring.py scoring_rule), in the words of the plan.
const WEIGHTS = {
  base: ["基础分", "每个单位每月的起始分"],
  overdue_reply: ["逾期答复（每件扣分）", "答复期限已过仍未答复，每件扣"],
  overdue_rectification: ["逾期整改（每件扣分）", "整改时限已过仍未整改，每件扣"],
  rework: ["返工（每次扣分）", "复查不通过，每次扣"],
  on_time_reply_rate: ["按时答复率权重", "扣 权重 ×（1 − 按时答复率）；期内无应答复事项时不扣"],
  on_time_close_rate: ["按期结案率权重", "扣 权重 ×（1 − 按期结案率）；期内无应结案事项时不扣"],
  missed_submission: ["未完成信息报送（每次扣分）", "半月内未报送信息，每次扣"],
  adopted_submission: ["信息被采用（每条加分）", "报送的信息被采用，每条加"],
  overdue_duty_item: ["责任清单逾期（每项扣分）", "责任清单事项逾期未完成，每项扣"],
  general_problem: ["新增一般问题（每件扣分）", "本月新下发的一般问题，每件扣"],
  serious_problem: ["新增严重问题（每件扣分）", "本月新下发的严重问题，每件扣"],
  floor: ["最低分", "得分不低于此分"],
};
const FORMULA_WORDS = { overdue_reply: "逾期答复件数", overdue_rectification: "逾期整改件数", rework: "返工次数",
  on_time_reply_rate: "(1 − 按时答复率)", on_time_close_rate: "(1 − 按期结案率)", missed_submission: "未报送次数",
  overdue_duty_item: "逾期责任清单项数", general_problem: "新增一般问题件数", serious_problem: "新增严重问题件数" };
let state = null;

/** Grades come as [[90, "优秀"], …] or [{min_score: 90, grade: "优秀"}, …]: write back what was read. */
function gradeShape(grades) {
  const first = grades?.[0];
  if (Array.isArray(first) || !first) return { tuple: Array.isArray(first) || !first, num: 0, text: 1 };
  const keys = Object.keys(first);
  return { tuple: false, num: keys.find((k) => typeof first[k] === "number") || "min_score",
    text: keys.find((k) => typeof first[k] === "string") || "grade" };
}

function gradeRows() {
  return [...document.querySelectorAll("#grades .grade-row")].map((row) => {
    const min = row.querySelector("[data-role=min]").value.trim();
    return { min: min === "" ? null : Number(min), name: row.querySelector("[data-role=name]").value.trim() };
  });
}

function gradesValue() {
  const { tuple, num, text } = state.shape;
  return gradeRows().map((g) => (tuple ? [g.min, g.name] : { [num]: g.min, [text]: g.name }));
}

function gradeRow(min, name, index) {
  const { tuple, num, text } = state.shape;
  const pathMin = tuple ? `grades[${index}][0]` : `grades[${index}].${num}`;
  const pathName = tuple ? `grades[${index}][1]` : `grades[${index}].${text}`;
  const row = h("div", { class: "grade-row field" },
    h("label", { class: "field" }, "分数线", h("input", { type: "number", step: "any", "data-role": "min", "data-path": pathMin,
      value: min ?? "", "aria-label": `第 ${index + 1} 档分数线` })),
    h("label", { class: "field" }, "等次", h("input", { "data-role": "name", "data-path": pathName, value: name ?? "",
      "aria-label": `第 ${index + 1} 档等次名称` })),
    h("button", { type: "button", class: "small", "aria-label": `删除第 ${index + 1} 档`, onclick: () => {
      row.remove();
      renumberGrades();
      schedulePreview();
    } }, "删除"));
  return row;
}

/** Keep data-path indexes in step with the rows after one is removed. */
function renumberGrades() {
  const values = gradeRows();
  document.getElementById("grade-rows").replaceChildren(...values.map((g, i) => gradeRow(g.min, g.name, i)));
}

function weightsValue() {
  const out = {};
  for (const input of document.querySelectorAll("#weights input[data-key]")) {
    const text = input.value.trim();
    out[input.dataset.key] = text === "" ? null : Number(text);
  }
  return out;
}

function formulaText(w) {
  const n = (x) => (x === null || Number.isNaN(x) ? "？" : String(x));
  let text = `得分 = ${n(w.base)}`;
  for (const [key, word] of Object.entries(FORMULA_WORDS)) if (key in w) text += ` − ${n(w[key])}×${word}`;
  if ("adopted_submission" in w) text += ` + ${n(w.adopted_submission)}×信息被采用条数`;
  for (const key of Object.keys(w)) if (!(key in WEIGHTS)) text += ` ± ${n(w[key])}×${key}`;
  if ("floor" in w) text += `；最低 ${n(w.floor)} 分`;
  return text;
}

function rule() {
  const minCases = document.getElementById("s-min_cases").value.trim();
  return { scoring: weightsValue(), grades: gradesValue(), min_cases: minCases === "" ? null : Number(minCases) };
}

/** "2026-10" → "2026年10月". */
function monthText(month) {
  const m = /^(\d{4})-(\d{2})$/.exec(month || "");
  return m ? `${m[1]}年${Number(m[2])}月` : "上月";
}

let previewTimer = 0;
function schedulePreview() {
  document.getElementById("formula").textContent = formulaText(weightsValue());
  clearTimeout(previewTimer);
  previewTimer = setTimeout(() => preview().catch(() => {}), 500);
}

/** Last month's grades under the rule on screen, before anything is saved. */
async function preview() {
  if (!state) return;
  const seq = ++state.previewSeq;
  const out = document.getElementById("preview");
  const scoring = document.getElementById("scoring-section");
  out.classList.add("busy");
  try {
    const answer = await call(state.ctx, "POST", "/api/v1/settings/preview", rule());
    if (!state || seq !== state.previewSeq) return;
    clearFields(scoring);
    const rows = [...(answer.rows || [])].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9));
    const body = rows.length
      ? rows.map((r) => h("tr", { dataset: { unit: r.unit_id } },
        h("td", {}, r.rank ?? "—"), h("td", {}, r.name), h("td", {}, r.score ?? "—"), h("td", {}, r.grade ?? "—")))
      : [h("tr", {}, h("td", { colspan: 4, class: "muted" }, "上月没有可计分的数据"))];
    out.replaceChildren(
      h("h3", {}, `预览：${monthText(answer.month)}按此规则的结果`),
      h("p", { class: "muted" }, "尚未保存。名次为空的单位案件数不足、不参与排名。"),
      h("div", { class: "scroll-x table-box" }, h("table", { class: "ledger", id: "preview-table" },
        h("thead", {}, h("tr", {}, ...["名次", "单位", "得分", "等次"].map((t) => h("th", {}, t)))),
        h("tbody", {}, ...body))));
  } catch (err) {
    if (!state || seq !== state.previewSeq) return;
    clearFields(scoring);
    const rest = markFields(scoring, err?.fields);
    const message = err?.name === "HttpError" ? err.message : reportError(state.ctx, err);
    out.replaceChildren(h("h3", {}, "预览"), h("p", { class: "form-error", id: "preview-error" },
      `无法按此规则计算：${message}${Object.keys(rest).length ? `（${Object.values(rest).join("；")}）` : ""}`));
  } finally {
    out.classList.remove("busy");
  }
}

function textField(key, label, value, hint) {
  return h("div", { class: "field" }, h("label", { for: `s-${key}` }, label),
    h("input", { id: `s-${key}`, name: key, "data-path": key, value: value ?? "" }),
    hint ? h("div", { class: "hint" }, hint) : null);
}

export async function show(ctx) {
  const shownFor = location.hash;
  const doc = await ctx.api.get("/api/v1/settings");
  if (location.hash !== shownFor) return; // the user moved on while this loaded
  state = { ctx, doc, shape: gradeShape(doc.grades), previewSeq: 0 };
  // The rule's own order (base first, floor last), then any weight this screen has no words for.
  const known = Object.keys(WEIGHTS);
  const weights = Object.entries(doc.scoring || {}).sort(([a], [b]) =>
    (known.includes(a) ? known.indexOf(a) : 99) - (known.includes(b) ? known.indexOf(b) : 99));
  const general = h("div", { class: "form-error", id: "settings-error", role: "alert", hidden: true });
  // The save button sits after the preview (on a phone too): the rule's effect is seen before saving.
  const save = h("button", { type: "submit", class: "primary", id: "save-settings", form: "settings-form" }, "保存设置");
  const form = h("form", { id: "settings-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    clearFields(form);
    general.hidden = true;
    const body = { ...state.doc,
      office_name: document.getElementById("s-office_name").value.trim(),
      letter_masthead: document.getElementById("s-letter_masthead").value.trim(),
      contact_person: document.getElementById("s-contact_person").value.trim(),
      contact_phone: document.getElementById("s-contact_phone").value.trim(),
      prompt_review: document.getElementById("s-prompt_review").checked,
      bulletin_to: document.getElementById("s-bulletin_to").value.trim(),
      bulletin_cc: document.getElementById("s-bulletin_cc").value.trim(),
      ...rule() };
    save.disabled = true;
    save.textContent = "正在保存…";
    try {
      const saved = await call(ctx, "PUT", "/api/v1/settings", body);
      state.doc = saved && typeof saved === "object" && "scoring" in saved ? saved : body;
      toast("设置已保存");
      document.getElementById("saved-note").textContent = "已保存。新的计分规则用于此后生成的月度考评。";
    } catch (err) {
      const rest = markFields(form, err?.fields);
      const message = err?.name === "HttpError" ? err.message : reportError(ctx, err);
      general.textContent = `未能保存（填写的内容仍保留）：${message}${Object.keys(rest).length ? `：${Object.values(rest).join("；")}` : ""}`;
      general.hidden = false;
      form.querySelector("[aria-invalid=true]")?.focus();
    } finally {
      save.disabled = false;
      save.textContent = "保存设置";
    }
  } },
  h("section", { class: "panel", id: "letters-section" },
    h("h3", {}, "函件信息（印在每一份函件上）"),
    h("div", { class: "grid" },
      textField("office_name", "发函单位", doc.office_name, "如：明桦街道创建全国文明城市督导检查专班"),
      textField("letter_masthead", "函件抬头（版头）", doc.letter_masthead),
      textField("contact_person", "联系人", doc.contact_person),
      textField("contact_phone", "联系电话", doc.contact_phone))),
  h("section", { class: "panel", id: "bulletin-section" },
    h("h3", {}, "周通报（主送、抄送）"),
    h("div", { class: "grid" },
      textField("bulletin_to", "主送", doc.bulletin_to, "单位名称以“、”分隔；留空则列出全部在用单位（社区、专班、科室）"),
      textField("bulletin_cc", "抄送", doc.bulletin_cc, "留空则为“明桦街道创建全国文明城市工作领导小组”"))),
  h("section", { class: "panel", id: "review-section" },
    h("h3", {}, "提示函"),
    h("div", { class: "field checkbox" }, h("label", { class: "check", for: "s-prompt_review" },
      h("input", { type: "checkbox", id: "s-prompt_review", "data-path": "prompt_review", checked: !!doc.prompt_review }),
      h("span", {}, "提示函先由督导检查专班审核，再发出（关闭则逾期后自动发出）")))),
  h("section", { class: "panel", id: "scoring-section" },
    h("h3", {}, "月度考评计分规则"),
    h("p", { class: "formula", id: "formula" }, formulaText(doc.scoring || {})),
    h("div", { class: "grid", id: "weights" }, ...weights.map(([key, value]) => {
      const [label, hint] = WEIGHTS[key] || [key, ""];
      return h("div", { class: "field" }, h("label", { for: `w-${key}` }, label),
        h("input", { id: `w-${key}`, type: "number", step: "any", inputmode: "decimal", "data-key": key,
          "data-path": `scoring.${key}`, value: value ?? "" }),
        hint ? h("div", { class: "hint" }, hint) : null);
    })),
    h("div", { class: "field", "data-path": "scoring" }),
    h("div", { class: "field", id: "grades", "data-path": "grades" },
      h("h4", {}, "等次（从高到低：得分达到分数线即为该等次）"),
      h("div", { id: "grade-rows" }),
      h("button", { type: "button", class: "small", id: "add-grade", onclick: () => {
        const rows = gradeRows();
        document.getElementById("grade-rows").append(gradeRow("", "", rows.length));
      } }, "＋ 添加等次")),
    h("div", { class: "grid" }, h("div", { class: "field" }, h("label", { for: "s-min_cases" }, "参与排名的最少案件数"),
      h("input", { id: "s-min_cases", type: "number", min: 0, step: 1, "data-path": "min_cases", value: doc.min_cases ?? "" }),
      h("div", { class: "hint" }, "当月案件数少于此数的单位不参与排名")))));
  render(
    ...adminHead("settings", "设置"),
    h("div", { class: "settings-layout" }, form,
      h("aside", { class: "panel", id: "preview", "aria-live": "polite" }, h("h3", {}, "预览"),
        h("p", { class: "muted" }, "正在按当前规则计算上月结果…")),
      h("div", { class: "settings-save" }, general,
        h("div", { class: "buttons" }, save, h("span", { class: "ok-text", id: "saved-note", role: "status" })))),
  );
  document.getElementById("grade-rows").replaceChildren(...(doc.grades || []).map((g, i) => (Array.isArray(g)
    ? gradeRow(g[0], g[1], i) : gradeRow(g[state.shape.num], g[state.shape.text], i))));
  document.getElementById("scoring-section").addEventListener("input", schedulePreview);
  await preview();
}

export function leave() {
  clearTimeout(previewTimer);
  state = null;
}
