/** A unit's home-screen reminders: no 信息报送 yet near the half-month's end, overdue duty items. */
import { h } from "./ui.js";

/** The reminders to show, or null (silently nothing when offline). */
export async function unitReminders(ctx) {
  const out = [];
  try {
    const [subs, lists] = await Promise.all([ctx.api.get("/api/v1/submissions"),
      ctx.api.get("/api/v1/duty-lists?per_page=10")]);
    if (subs.half?.remind) {
      out.push(h("a", { class: "banner warn", id: "home-submit-reminder", href: "#/c/campaign" },
        `本半月还没有报送信息（截至 ${subs.half.to.slice(5)}），点此报送`));
    }
    const late = lists.items.flatMap((l) => l.items).filter((i) => i.overdue).length;
    if (late) {
      out.push(h("a", { class: "banner late", id: "home-duty-reminder", href: "#/c/campaign/duty" },
        `责任清单有 ${late} 项已逾期，点此查看`));
    }
  } catch (err) {
    if (err?.name === "AuthError") throw err;
  }
  return out.length ? h("div", { class: "reminders" }, ...out) : null;
}
