/** In-page dialogs: a confirmation before a destructive action, and a lightbox for a photo.
 * Both are <dialog>s (no window.confirm: it blocks the page and tests cannot see it). */
import { h } from "./ui.js";

/** The page's one dialog with this id, emptied (made on first use). */
function dialogOf(id, cls) {
  let el = document.getElementById(id);
  if (!el) {
    el = h("dialog", { id, class: cls });
    document.body.append(el);
  }
  if (el.open) el.close();
  return el;
}

/**
 * Ask before doing something that cannot be undone.
 * @param {string} title @param {string} message @param {string} yesLabel
 * @returns {Promise<boolean>} true only when the user chose yesLabel
 */
export function confirmAction(title, message, yesLabel) {
  const dialog = dialogOf("confirm", "confirm-dialog");
  return new Promise((resolve) => {
    let answer = false;
    const choose = (yes) => { answer = yes; dialog.close(); };
    dialog.replaceChildren(h("h3", {}, title), h("p", {}, message),
      h("div", { class: "buttons" },
        h("button", { type: "button", class: "destructive", dataset: { answer: "yes" }, onclick: () => choose(true) }, yesLabel),
        h("button", { type: "button", dataset: { answer: "no" }, onclick: () => choose(false) }, "取消")));
    dialog.addEventListener("close", () => resolve(answer), { once: true });
    dialog.showModal();
    dialog.querySelector("[data-answer=no]").focus();
  });
}

/** Show a photo whole, as large as the window allows; a click or Escape closes it. */
export function openLightbox(src, alt) {
  const dialog = dialogOf("lightbox", "lightbox");
  dialog.replaceChildren(h("img", { src, alt }),
    h("button", { type: "button", class: "close", "aria-label": "关闭", onclick: () => dialog.close() }, "×"));
  dialog.onclick = (event) => { if (event.target === dialog || event.target.tagName === "IMG") dialog.close(); };
  dialog.showModal();
}
