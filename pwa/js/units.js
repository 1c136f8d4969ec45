/** Responsible units (社区、专班、科室) for pickers and filters: grouped by kind, active only. */
import { h } from "./ui.js";

const KIND_LABELS = { community: "社区", task_force: "专班", office: "科室" };

/** The active units, from the server. @returns {Promise<object[]>} */
export async function loadUnits(ctx) {
  return (await ctx.api.get("/api/v1/units")).items.filter((u) => u.active);
}

/**
 * <option>s grouped in <optgroup>s by kind, after a leading option.
 * @param {object[]} units @param {[string, string]} first  value and label of the leading option
 * @param {string} selected  the value to select
 */
export function unitOptions(units, first, selected = "") {
  const groups = Object.entries(KIND_LABELS).map(([kind, label]) => {
    const mine = units.filter((u) => u.kind === kind);
    return mine.length ? h("optgroup", { label }, ...mine.map((u) =>
      h("option", { value: String(u.id), selected: String(u.id) === selected }, u.name))) : null;
  });
  return [h("option", { value: first[0], selected: selected === first[0] }, first[1]), ...groups.filter(Boolean)];
}
