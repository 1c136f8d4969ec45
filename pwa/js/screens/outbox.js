/** Every record on this phone and its state: 待同步 / 同步中 / 已同步 / 未通过 (with the server's reason). */
import { ACTION_LABELS, FIELD_NAMES } from "../actions.js";
import { processPhoto } from "../camera.js";
import { retakePhoto, STATE_LABELS } from "../outbox.js";
import { typeName } from "../refdata.js";
import { h, formatTime, isoNow, render, toast } from "../ui.js";

function title(rec) {
  if (rec.kind === "verification") return `复查：${rec.body.verdict === "pass" ? "通过" : "不通过"}`;
  if (rec.kind === "action" && ["submit", "complete_duty"].includes(rec.body.action)) {
    return `${ACTION_LABELS[rec.body.action]}：${rec.body.fields?.title || rec.body.fields?.note || ""}`;
  }
  if (rec.kind === "action") return `${ACTION_LABELS[rec.body.action] || rec.body.action}（问题 ${rec.result?.code || rec.body.finding_id.slice(0, 8)}）`;
  return rec.label || `${typeName(rec.body.location_type) || "检查"}${rec.body.point_id ? "" : "（未登记点位）"}`;
}

/** A thumbnail kept on the phone (the photo's bytes may be pruned a week after upload). */
function thumb(photo) {
  if (!photo.thumb) return null;
  const url = URL.createObjectURL(new Blob([photo.thumb], { type: "image/jpeg" }));
  return h("img", { src: url, alt: "照片", class: "thumb", onload: () => URL.revokeObjectURL(url) });
}

/** 重拍 / 选择其他照片 for a photo the server refused after it accepted the record. */
function retakeSlot(ctx, rec, photo) {
  const picker = (label, capture) => {
    const input = h("input", { type: "file", accept: "image/*", capture: capture ? "environment" : null,
      onchange: async () => {
        const file = input.files[0];
        input.value = "";
        if (!file) return;
        try {
          const shot = await processPhoto(file, { position: ctx.geo.best(), isoNow });
          await retakePhoto(ctx.store, rec.id, photo.id, shot);
        } catch (err) {
          toast(`未能换上新照片：${err.message}`, "error");
          return;
        }
        await ctx.refreshBadge();
        toast("已换上新照片，等待同步");
        ctx.syncer.syncNow();
        await show(ctx);
      } });
    return h("label", { class: "filebtn" }, label, input);
  };
  return h("div", { class: "retake", dataset: { photo: photo.id } }, thumb(photo),
    h("div", {}, h("div", { class: "errors" }, `照片被拒收：${photo.error || "请重拍"}`),
      picker("重拍", true), " ", picker("选择其他照片", false)));
}

/** Failed items the server added to a problem already open (仍未整改), with links to it. */
function resighted(rec) {
  const joined = (rec.findings || []).filter((f) => f.resighting);
  if (!joined.length) return null;
  return h("div", { class: "muted resighted" }, `${joined.length} 项为已有问题“仍未整改”，已记入原问题：`,
    ...joined.map((f, i) => h("a", { href: `#/finding/${f.finding_id}` }, `${i ? "、" : ""}查看`)));
}

/** One refusal reason in Chinese: the field's name when it has one, never an English key. */
function fieldMessage(key, message) {
  const name = FIELD_NAMES[key.split(/[.[]/)[0]];
  return name && !message.startsWith(name) ? `${name}：${message}` : message;
}

function row(ctx, rec, photos) {
  // Accepted by the server: only a refused photo can change, by retaking it (retakePhoto).
  const retakes = rec.server_status ? photos.filter((p) => p.state === "rejected") : [];
  const editable = ["draft", "rejected"].includes(rec.state) && rec.kind === "inspection" && !rec.server_status;
  const fails = rec.kind === "inspection" ? rec.body.results.filter((r) => r.result === "fail").length : 0;
  const errors = rec.errors && Object.keys(rec.errors).length
    ? h("div", { class: "errors" }, Object.entries(rec.errors).map(([k, v]) => fieldMessage(k, v)).join("；")) : null;
  return h("li", { dataset: { record: rec.id, state: rec.state } },
    h("div", { class: "row" },
      h("span", {}, h("span", { class: "name" }, title(rec)), h("br"),
        h("span", { class: "muted" }, formatTime(rec.body.started_at || rec.body.at || rec.created_at),
          rec.kind === "inspection" ? ` · ${rec.body.results.length} 项，不合格 ${fails}` : ""),
        rec.body.covert ? h("span", { class: "tag covert" }, "暗访") : null),
      h("span", { class: `state ${rec.state}` }, STATE_LABELS[rec.state] || rec.state)),
    photos.some((p) => p.thumb && p.state !== "rejected")
      ? h("div", { class: "thumbs" }, ...photos.filter((p) => p.state !== "rejected").slice(0, 4).map(thumb)) : null,
    retakes.length ? retakes.map((p) => retakeSlot(ctx, rec, p)) : errors,
    resighted(rec),
    editable ? h("a", { href: `#/inspect/record/${rec.id}`, class: "filebtn" }, rec.state === "draft" ? "继续填写" : "修改后重新提交") : null,
    rec.kind === "action" && rec.state === "rejected" && !["submit", "complete_duty"].includes(rec.body.action)
      ? h("a", { href: `#/finding/${rec.body.finding_id}`, class: "filebtn" }, "打开问题重新处理") : null);
}

export async function show(ctx) {
  const records = await ctx.store.listRecords({});
  const counts = await ctx.store.counts();
  const photos = await Promise.all(records.map((r) => ctx.store.photosOf(r.id, { bytes: false })));
  render(
    h("h1", {}, "记录"),
    h("p", { class: "muted", id: "outbox-summary" },
      `待同步 ${counts.pending + counts.syncing} · 未通过 ${counts.rejected + counts.conflict} · ` +
      `已同步 ${counts.synced} · 草稿 ${counts.draft} · 待传照片 ${counts.photos_pending}`),
    records.length ? h("ul", { class: "list", id: "records" }, ...records.map((r, i) => row(ctx, r, photos[i])))
      : h("p", { class: "muted" }, "还没有记录"),
  );
}

export async function onSync(ctx) {
  if (location.hash === "#/outbox") await show(ctx);
}
