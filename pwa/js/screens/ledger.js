/** The problem ledger (问题台账): paged, sortable, filtered; the same filters go to the exports. */
import { loadUnits, unitOptions } from "../units.js";
import { flagTags, statusBadge } from "../finding-view.js";
import { formatTime, h, render, toast, TYPE_NAMES } from "../ui.js";

const COLUMNS = [["code", "问题编号"], ["found_at", "发现时间"], ["community_id", "责任单位"], [null, "点位"],
  [null, "测评条目"], [null, "来源"], ["status", "状态"], ["reply_due", "答复期限"], ["rectify_due", "整改时限"]];
let state = { page: 1, sort: "-found_at", filters: {} };

function params(extra = {}) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...state.filters, ...extra })) if (v) p.set(k, v);
  return p;
}

async function exportXlsx(ctx, box) {
  const job = await ctx.api.post("/api/v1/exports", { format: "xlsx", filters: Object.fromEntries(params()) },
    { idempotencyKey: crypto.randomUUID() });
  const bar = h("div", { class: "progress" }, h("div", { style: "width:0%" }));
  const label = h("span", {}, "正在导出…");
  box.replaceChildren(label, bar);
  for (;;) {
    const s = await ctx.api.get(`/api/v1/exports/${job.id}`);
    const pct = s.total ? Math.round((100 * s.progress) / s.total) : 0;
    bar.firstChild.style.width = `${pct}%`;
    label.textContent = `正在导出 ${s.progress}/${s.total}`;
    if (s.status === "done") {
      box.replaceChildren(h("a", { href: s.download_url, class: "filebtn", id: "download" }, `下载 Excel（${s.total} 条）`));
      return;
    }
    if (s.status === "failed") { box.textContent = `导出失败：${s.error || ""}`; return; }
    await new Promise((r) => setTimeout(r, 700));
  }
}

export async function show(ctx) {
  const page = await ctx.api.get(`/api/v1/findings?${params({ page: state.page, per_page: 50, sort: state.sort })}`);
  const units = await loadUnits(ctx);
  const f = state.filters;
  const refresh = () => { state.page = 1; show(ctx); };
  const sel = (key, options) => {
    const el = h("select", { id: `l-${key}`, onchange: () => { f[key] = el.value; refresh(); } },
      ...options.map(([v, label]) => h("option", { value: v, selected: (f[key] || "") === v }, label)));
    return el;
  };
  const unitSelect = (key, list) => {
    const el = h("select", { id: `l-${key}`, onchange: () => { f[key] = el.value; refresh(); } },
      ...unitOptions(list, ["", "全部"], f[key] || ""));
    return el;
  };
  const date = (key) => {
    const el = h("input", { type: "date", id: `l-${key}`, value: f[key] || "", onchange: () => { f[key] = el.value; refresh(); } });
    return el;
  };
  const head = COLUMNS.map(([key, label]) => h("th", {}, key ? h("button", { type: "button", onclick: () => {
    state.sort = state.sort === key ? `-${key}` : key;
    show(ctx);
  } }, label + (state.sort === key ? " ↑" : state.sort === `-${key}` ? " ↓" : "")) : label));
  const pages = Math.max(1, Math.ceil(page.total / 50));
  const exportBox = h("span", { id: "export-box" });
  render(
    h("h1", {}, "问题台账"),
    h("div", { class: "filters" },
      h("label", {}, "责任单位", unitSelect("community_id", units)),
      h("label", {}, "状态", sel("status", [["", "全部"], ["unassigned", "待派发"], ["assigned", "待答复"], ["returned", "待改派"],
        ["replied", "整改中"], ["rectified", "待复查"], ["closed", "已销号"], ["void", "已作废"]])),
      h("label", {}, "类型", sel("location_type", [["", "全部"], ...Object.entries(TYPE_NAMES)])),
      h("label", {}, "逾期", sel("overdue", [["", "全部"], ["true", "仅逾期"]])),
      h("label", {}, "发现自", date("from")), h("label", {}, "至", date("to"))),
    h("p", {},
      h("a", { class: "filebtn", id: "export-csv", href: `/api/v1/ledger.csv?${params()}` }, "导出 CSV"), " ",
      h("button", { type: "button", id: "export-xlsx", onclick: () => exportXlsx(ctx, exportBox).catch((e) => toast(e.message, "error")) },
        "导出 Excel（含照片）"), " ", exportBox),
    h("p", { class: "muted", id: "ledger-total" }, `共 ${page.total} 条，第 ${state.page}/${pages} 页`),
    h("div", { class: "scroll-x" }, h("table", { class: "ledger", id: "ledger" },
      h("thead", {}, h("tr", {}, ...head)),
      h("tbody", {}, ...page.items.map((x) => h("tr", { dataset: { finding: x.id } },
        // Codes and dates never wrap mid-value (the table scrolls sideways instead).
        h("td", { class: "nowrap" }, h("a", { href: `#/finding/${x.id}` }, x.code)),
        h("td", { class: "date" }, formatTime(x.found_at)),
        h("td", {}, x.unit_name || x.community_name || "未派发"), h("td", {}, x.point_name || x.address || "未登记点位"),
        h("td", {}, x.item_text), h("td", { class: "nowrap" }, x.source), h("td", {}, statusBadge(x), ...flagTags(x)),
        h("td", { class: "date" }, x.reply_due || ""), h("td", { class: "date" }, x.rectify_due || "")))))),
    h("div", { class: "actions" },
      h("button", { type: "button", disabled: state.page <= 1, onclick: () => { state.page -= 1; show(ctx); } }, "上一页"),
      h("button", { type: "button", disabled: state.page >= pages, onclick: () => { state.page += 1; show(ctx); } }, "下一页")),
  );
}
