/* 创城督导 service worker. The server prepends VERSION and SHELL (the generated file list).
 * Strategies: the app shell is precached and served cache-first; map tiles and evidence photos
 * the user has viewed are kept in bounded runtime caches; everything else (the API, non-GET
 * requests) goes to the network untouched, because the page's outbox owns sync. */
/* global VERSION, SHELL */
const SHELL_CACHE = `shell-${VERSION}`;
const TILE_CACHE = "tiles-v1";
const PHOTO_CACHE = "photos-v1";
const LIMITS = { [TILE_CACHE]: 600, [PHOTO_CACHE]: 400 };

self.addEventListener("install", (event) => {
  // Wait for the page to ask (the "有新版本 → 刷新" banner) unless nothing runs yet.
  event.waitUntil(caches.open(SHELL_CACHE).then((c) => c.addAll(SHELL.map((u) => new Request(u, { cache: "reload" })))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keep = new Set([SHELL_CACHE, TILE_CACHE, PHOTO_CACHE]);
    for (const key of await caches.keys()) if (!keep.has(key)) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
  if (event.data === "clear-user-caches") event.waitUntil(caches.delete(PHOTO_CACHE));
});

/** Serve from the shell cache; fall back to the network (and the start page for navigations). */
async function shellFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const hit = await cache.match(request, { ignoreSearch: request.mode === "navigate" });
  if (hit) return hit;
  try {
    return await fetch(request);
  } catch (err) {
    if (request.mode === "navigate") return cache.match("/");
    throw err;
  }
}

/** Cache-first for things that never change once made (tiles, photo variants), with a bound. */
async function keptFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  const hit = await cache.match(request);
  if (hit) return hit;
  const resp = await fetch(request);
  if (resp.ok || resp.type === "opaque") {
    await cache.put(request, resp.clone());
    trim(cacheName);
  }
  return resp;
}

/** Drop the oldest entries beyond the cache's limit (keys come back in insertion order). */
async function trim(cacheName) {
  const cache = await caches.open(cacheName);
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - LIMITS[cacheName]))) await cache.delete(key);
}

function isTile(url) {
  return /\/\d+\/\d+\/\d+(@2x)?\.(png|jpg|jpeg|webp)$/.test(url.pathname) || url.searchParams.has("TILEMATRIX");
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return; // the outbox replays writes itself
  const url = new URL(request.url);
  if (url.origin === self.location.origin) {
    if (url.pathname.startsWith("/api/v1/photos/")) return event.respondWith(keptFirst(request, PHOTO_CACHE));
    if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/open311/")) return;
    if (url.pathname === "/app-config.json") return;
    if (SHELL.includes(url.pathname)) return event.respondWith(shellFirst(request));
    return;
  }
  if (isTile(url)) event.respondWith(keptFirst(request, TILE_CACHE));
});
