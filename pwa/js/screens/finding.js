/** One finding on its own page (community staff and everyone who follows a link). */
import { showFindingPanel } from "../finding-panel.js";
import { h, render } from "../ui.js";

export async function show(ctx, id) {
  const container = h("div", { id: "finding-panel" }, h("p", { class: "loading" }, "正在加载…"));
  const back = ctx.session.user.role === "community" ? "#/c/list" : "#/s/map";
  render(h("p", {}, h("a", { href: back }, "← 返回")), container);
  await showFindingPanel(ctx, container, id);
}
