/** 管理: the administrator's sections, one card each. */
import { SECTIONS } from "../admin-form.js";
import { h, render } from "../ui.js";

export async function show() {
  render(
    h("h1", {}, "系统管理"),
    h("p", { class: "muted" }, "街道的组织、人员、点位和规则都在这里维护；每一次修改都记入操作日志。"),
    h("div", { class: "admin-home", id: "admin-sections" },
      ...SECTIONS.map(([key, label, text]) => h("a", { class: "section-card", href: `#/a/${key}`, dataset: { section: key } },
        h("b", {}, label), h("span", { class: "muted" }, text)))),
  );
}
