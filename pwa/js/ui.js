/** Tiny DOM helpers shared by the screens. */
import { inBeijing } from "./clock.js";

/**
 * Create an element: h("button", {class: "primary", onclick}, "保存").
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node|string|null|undefined|false)} children
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * Replace the main view's content and move focus there (screen readers, one-handed use).
 * A screen still loading when the user moved on draws nothing: the router marks the view with
 * the hash it is showing, and a render for another hash is dropped.
 */
export function render(...nodes) {
  const view = document.getElementById("view");
  if (view.dataset.route !== undefined && view.dataset.route !== location.hash) return;
  view.replaceChildren(...nodes.flat().filter(Boolean));
  view.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

let zhCollator = null;

/** Compare two strings in Chinese (pinyin) order; one collator for the page, made on first use
 * (localeCompare(b, "zh") builds a new one per comparison: slow on a phone). */
export function compareZh(a, b) {
  zhCollator ||= new Intl.Collator("zh-CN");
  return zhCollator.compare(a ?? "", b ?? "");
}

let toastTimer = 0;

/** Show a short message at the bottom; errors stay longer. */
export function toast(message, kind = "info") {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.className = `toast ${kind === "error" ? "error" : ""}`;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, kind === "error" ? 6000 : 3000);
}

/** "1.2 公里" or "350 米". */
export function formatDistance(metres) {
  if (metres === null || metres === undefined || !Number.isFinite(metres)) return "";
  return metres >= 1000 ? `${(metres / 1000).toFixed(1)} 公里` : `${Math.round(metres)} 米`;
}

/** Beijing time as 2026-11-28 09:31:05, whatever zone the browser is set to (a laptop on UTC,
 * a phone bought abroad): the ledger and the letters speak Beijing time, so does every screen. */
export function formatTime(value) {
  const d = inBeijing(value);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** ISO 8601 with the device's offset, as the contract wants (no naive times). */
export function isoNow(date = new Date()) {
  const p = (n) => String(Math.abs(n)).padStart(2, "0");
  const off = -date.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:` +
    `${p(date.getMinutes())}:${p(date.getSeconds())}${sign}${p(Math.trunc(off / 60))}:${p(off % 60)}`;
}

/** Great-circle distance in metres (haversine is plenty at street scale). */
export function distanceM(lat1, lon1, lat2, lon2) {
  const r = 6371008.8;
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(a));
}

export const TYPE_NAMES = {
  street: "背街小巷", compound: "居民小区", toilet: "公共厕所", market: "农贸市场",
  school: "学校周边", practice_station: "新时代文明实践站", main_road: "主次干道",
};

const filling = new WeakMap();

/** Wait for the next frame to be drawn, then for a fresh task. */
export const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));

/**
 * Fill a list a screenful first, the rest over the next frames: a long list laid out at once is
 * a long task, and the phone does not answer a tap meanwhile. A newer fill of the same element wins.
 * @param {Element} el @param {Node[]} nodes @param {number} [first] @param {number} [size]
 */
export async function fillInChunks(el, nodes, first = 10, size = 12) {
  const token = {};
  filling.set(el, token);
  el.replaceChildren(...nodes.slice(0, first));
  for (let i = first; i < nodes.length; i += size) {
    await nextFrame();
    if (filling.get(el) !== token) return;
    el.append(...nodes.slice(i, i + size));
  }
}
