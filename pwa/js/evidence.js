/** Photos taken for a submission or a duty item: processed like a rectification's, kept with the
 * queued action in the outbox until they are uploaded. */
import { submitAction } from "./act.js";
import { processPhoto, storageRoom } from "./camera.js";
import { h, isoNow, toast } from "./ui.js";

/**
 * A "拍照/选择照片" button with its previews; shots() lists the processed photos.
 * @returns {{el: HTMLElement, shots: () => object[]}}
 */
export function photoPicker(ctx, label, id) {
  const shots = [];
  const preview = h("div", { class: "photos", id: `${id}-photos` });
  const input = h("input", { type: "file", accept: "image/*", multiple: true, onchange: async () => {
    const room = await storageRoom(() => ctx.store.estimate());
    if (!room.ok) { toast("手机存储空间不足，不能再保存新照片。", "error"); return; }
    for (const file of input.files) {
      try {
        const shot = await processPhoto(file, { position: ctx.geo?.best?.() || null, isoNow });
        shots.push({ id: crypto.randomUUID(), state: "pending", ...shot });
        const url = URL.createObjectURL(new Blob([shot.bytes], { type: shot.type }));
        preview.append(h("div", { class: "photo" }, h("img", { src: url, alt: label })));
      } catch (err) {
        toast(`照片处理失败：${err.message}`, "error");
      }
    }
    input.value = "";
  } });
  return { el: h("div", {}, preview, h("label", { class: "filebtn" }, label, input)), shots: () => shots };
}

/**
 * Queue a POST (submission or duty completion) through the outbox with its photos; online it
 * lands at once, offline it waits. @returns {Promise<{state, result, errors}>}
 */
export async function queuePost(ctx, action, target, fields, shots) {
  const out = await submitAction(ctx, target, action, fields, shots);
  return { state: out.state, result: out.finding, errors: out.errors };
}

/** One line of Chinese for a queued POST's outcome. */
export function outcome(result) {
  if (result.state === "synced") return "已提交";
  if (result.state === "rejected" || result.state === "conflict") {
    return `未通过：${Object.values(result.errors || {}).join("；") || "请检查填写内容"}`;
  }
  return "已保存在本机，联网后自动提交";
}

/** The 报送/清单 switch at the top of a unit's (or a supervisor's) campaign screens. */
export function campaignNav(base, current) {
  const link = (href, text, key) => h("a", { href, class: `chip${key === current ? " active" : ""}` }, text);
  return h("nav", { class: "subnav", id: "campaign-nav" },
    link(base, "信息报送", "submit"), link(`${base}/duty`, "责任清单", "duty"),
    link("#/s/yearly", "年度考核", "yearly"));
}
