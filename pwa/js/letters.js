/** Prompt letters and notices as the desk screens show them: problems, instructions, links. */
import { formatTime, h } from "./ui.js";

export const CLOCK_LABELS = { reply: "未答复", rectify: "未整改" };

/** "明桦创城提〔2026〕3号", or 草稿 for a draft that has no number yet. */
export function letterName(l) {
  return l.number || `${l.kind_label || "函件"}（草稿）`;
}

/** The overdue problems a prompt lists, as a table that scrolls inside itself on a phone. */
export function problemTable(problems, { select } = {}) {
  return h("div", { class: "table-scroll" }, h("table", { class: "ledger problems" },
    h("thead", {}, h("tr", {}, select ? h("th", {}, "保留") : null,
      ...["问题", "逾期事项", "原期限", "逾期工作日", "新期限"].map((t) => h("th", {}, t)))),
    h("tbody", {}, ...problems.map((p) => h("tr", { dataset: { finding: p.finding_id } },
      select ? h("td", {}, select(p)) : null,
      h("td", {}, h("a", { href: `#/finding/${p.finding_id}` }, p.code), h("br"),
        h("span", {}, `${p.point}：${p.description || p.item_text}`)),
      h("td", {}, CLOCK_LABELS[p.clock] || p.clock), h("td", { class: "nowrap" }, p.due),
      h("td", {}, String(p.overdue_working_days ?? "—")), h("td", { class: "nowrap" }, p.new_due || "签发时定"))))));
}

/** The leaders' instructions on a prompt, newest last. */
export function instructionList(instructions) {
  if (!instructions?.length) return h("p", { class: "muted" }, "暂无领导批示");
  return h("ul", { class: "instructions" }, ...instructions.map((i) => h("li", {},
    h("div", { class: "text" }, i.text),
    h("div", { class: "muted" }, `${i.author.display_name} · ${formatTime(i.at)}`))));
}

/** How many problems a prompt lists: one may be late on both its reply and its rectification. */
export function problemCount(problems) {
  return new Set(problems.map((p) => p.finding_id)).size;
}

/** One prompt as a card in a list: number, unit, date, its problems in one line each. */
export function promptCard(l) {
  return h("li", { class: "prompt-card", dataset: { letter: l.id } },
    h("a", { href: `#/letter/${l.id}` },
      h("span", {}, h("span", { class: "name" }, `${letterName(l)} · ${l.unit_name || "未派发"}`), h("br"),
        h("span", { class: "muted" }, `${l.issued_at ? formatTime(l.issued_at) : "待签发"} · ${problemCount(l.problems)} 个问题` +
          `${l.instructions.length ? ` · 批示 ${l.instructions.length} 条` : ""}`),
        h("ul", { class: "problem-lines" }, ...l.problems.map((p) => h("li", {},
          `${p.code} ${p.point}：${CLOCK_LABELS[p.clock]}（期限 ${p.due}）`))))));
}
