/** One finding on its own page (community staff and everyone who follows a link). */
import { showFindingPanel } from "../finding-panel.js";
import { h, render } from "../ui.js";

/** Each role's home: never a screen outside the role's tabs. */
const BACK = { community: "#/c/list", supervisor: "#/s/map", leader: "#/l/home", admin: "#/s/ledger",
  inspector: "#/tasks" };

export async function show(ctx, id) {
  const container = h("div", { id: "finding-panel" }, h("p", { class: "loading" }, "正在加载…"));
  const back = BACK[ctx.session.user.role] || "#/";
  // Back where the user came from (the list, the map, the queue…), else to the role's home.
  const link = h("a", { href: back, id: "back-link", onclick: (e) => {
    if (history.length > 1 && document.referrer.startsWith(location.origin)) { e.preventDefault(); history.back(); }
  } }, "← 返回");
  render(h("p", {}, link), container);
  await showFindingPanel(ctx, container, id);
}
