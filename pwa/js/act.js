/** Making a finding action through the outbox: online it lands at once, offline it waits safely. */
import { queueAction } from "./outbox.js";

/**
 * Queue an action (with its photos), try to sync, and say what happened.
 * @returns {Promise<{state: string, finding?: any, errors?: Record<string,string>}>}
 */
export async function submitAction(ctx, findingId, action, fields, photos = []) {
  const rec = await queueAction(ctx.store, { finding_id: findingId, action, fields }, photos);
  await ctx.refreshBadge();
  if (navigator.onLine) await ctx.syncer.syncNow();
  const after = await ctx.store.getRecord(rec.id);
  await ctx.refreshBadge();
  return { state: after.state, finding: after.result, errors: after.errors || {} };
}

/** One line of Chinese for a result. */
export function describe(result) {
  if (result.state === "synced") return "已提交";
  if (result.state === "rejected" || result.state === "conflict") {
    return `未通过：${Object.values(result.errors || {}).join("；") || "请检查填写内容"}`;
  }
  return "已保存在本机，联网后自动提交";
}
