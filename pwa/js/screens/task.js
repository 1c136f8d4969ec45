/** One re-inspection: before and after photos side by side, 通过 / 不通过 with a new photo, offline too. */
import { processPhoto, storageRoom } from "../camera.js";
import { createDraft, queue } from "../outbox.js";
import { loadTasks } from "../refdata.js";
import { h, isoNow, render, toast } from "../ui.js";

/** The router starts following the position when this screen opens. */
export const usesPosition = true;

let view = null;

function photoOf(task, stage) {
  return task.photos.filter((p) => p.stage === stage).map((p) => h("img", { src: p.thumb_url, alt: stage === "before" ? "整改前" : "整改后" }));
}

async function submit(ctx, verdict) {
  const fix = ctx.geo.best();
  if (!view.photos.length) { toast("现场复查须拍照", "error"); return; }
  const note = document.getElementById("verify-note").value.trim();
  if (verdict === "fail" && !note) { toast("不通过时请说明原因", "error"); return; }
  view.rec.body = { ...view.rec.body, verdict, at: isoNow(), note, lat: fix ? fix.lat : null,
                    lon: fix ? fix.lon : null, photo_ids: view.photos.map((p) => p.id) };
  await ctx.store.saveWithPhotos(view.rec, []);
  await queue(ctx.store, view.rec.id);
  await ctx.refreshBadge();
  toast("复查结果已保存，等待同步");
  ctx.syncer.syncNow();
  ctx.go("#/tasks");
}

export async function show(ctx, findingId) {
  const { tasks } = await loadTasks(ctx);
  const task = tasks.find((t) => t.id === findingId);
  if (!task) { render(h("h1", {}, "任务不存在"), h("a", { href: "#/tasks" }, "返回复查任务")); return; }
  const key = `draft:task:${task.id}`;
  const openId = await ctx.store.getMeta(key);
  let rec = openId ? await ctx.store.getRecord(openId) : null;
  if (!rec || rec.state !== "draft") {
    rec = await createDraft(ctx.store, { kind: "verification", id: crypto.randomUUID(), finding_id: task.id,
      verdict: "pass", at: isoNow(), lat: null, lon: null, note: "", photo_ids: [] });
    await ctx.store.setMeta(key, rec.id);
  }
  view = { rec, task, photos: await ctx.store.photosOf(rec.id) };
  const input = h("input", { type: "file", accept: "image/*", capture: "environment", onchange: async () => {
    const room = await storageRoom(() => ctx.store.estimate());
    if (!room.ok) { toast("手机存储空间不足，不能再保存新照片。", "error"); return; }
    for (const file of input.files) {
      const shot = await processPhoto(file, { position: ctx.geo.best(), isoNow });
      const photo = { id: crypto.randomUUID(), record_id: rec.id, state: "pending", ...shot };
      view.photos.push(photo);
      await ctx.store.saveWithPhotos(rec, [photo]);
      const url = URL.createObjectURL(new Blob([photo.bytes], { type: photo.type }));
      document.getElementById("verify-photos").append(h("img", { src: url, alt: "复查照片" }));
    }
    input.value = "";
  } });
  render(
    h("h1", {}, `${task.point_name || "未登记点位"}`),
    h("p", {}, `${task.code}：${task.item_text}`),
    task.description ? h("p", { class: "muted" }, `问题：${task.description}`) : null,
    h("div", { class: "pair" },
      h("figure", {}, ...photoOf(task, "before"), h("figcaption", {}, "整改前")),
      h("figure", {}, ...photoOf(task, "after"), h("figcaption", {}, "整改后（社区上传）"))),
    h("label", {}, "复查照片（必拍）"), h("div", { class: "photos", id: "verify-photos" },
      ...view.photos.map((p) => h("img", { src: URL.createObjectURL(new Blob([p.bytes], { type: p.type })), alt: "复查照片" }))),
    h("label", { class: "filebtn" }, "拍照", input),
    h("label", { for: "verify-note" }, "复查说明"), h("textarea", { id: "verify-note", placeholder: "不通过时必填" }),
    h("div", { class: "actions" },
      h("button", { class: "primary", id: "verify-pass", type: "button", onclick: () => submit(ctx, "pass") }, "通过"),
      h("button", { id: "verify-fail", type: "button", onclick: () => submit(ctx, "fail") }, "不通过")),
  );
}

export function leave() { view = null; }
