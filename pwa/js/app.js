/** Boot: open the store, restore the session, start sync and the router, offer updates. */
import { createApi, isOffline, OFFLINE_MESSAGE } from "./api.js";
import { Backoff } from "./backoff.js";
import { openStore } from "./db.js";
import { createGeo } from "./geo.js";
import { outboxCount } from "./outbox.js";
import { createSyncer } from "./sync.js";
import { toast } from "./ui.js";
// Screens load on first use: a cold start offline evaluates only what the first screen needs.
const ROUTES = [
  [/^#\/login$/, "login"],
  [/^#\/route$/, "route"],
  [/^#\/inspect\/(point)\/(\d+)$/, "inspect"],
  [/^#\/inspect\/(here)\/(\w+)$/, "inspect"],
  [/^#\/inspect\/(record)\/([\w-]+)$/, "inspect"],
  [/^#\/outbox$/, "outbox"],
  [/^#\/tasks$/, "tasks"],
  [/^#\/task\/([\w-]+)$/, "task"],
  [/^#\/me$/, "me"],
  [/^#\/me\/(password)$/, "me"],
  [/^#\/c\/list$/, "community-list"],
  [/^#\/finding\/([\w-]+)$/, "finding"],
  [/^#\/letter\/(\d+)$/, "prompt"],
  [/^#\/c\/notice\/(\d+)$/, "notice-answer"],
  [/^#\/s\/map$/, "supervise-map"],
  [/^#\/s\/queue$/, "supervise-queue"],
  [/^#\/s\/record$/, "supervise-record"],
  [/^#\/s\/ledger$/, "ledger"],
  [/^#\/s\/reports$/, "reports"],
  [/^#\/s\/routes(?:\/(\d{4}-\d{2}-\d{2}))?$/, "supervise-routes"],
  [/^#\/l\/home$/, "leader"],
  [/^#\/a$/, "admin-home"],
  [/^#\/a\/units$/, "admin-units"],
  [/^#\/a\/users$/, "admin-users"],
  [/^#\/a\/points$/, "admin-points"],
  [/^#\/a\/boundaries(?:\/(\d+))?$/, "admin-boundaries"],
  [/^#\/a\/checklists(?:\/([\w-]+))?$/, "admin-checklists"],
  [/^#\/a\/holidays(?:\/(\d{4}))?$/, "admin-holidays"],
  [/^#\/a\/settings$/, "admin-settings"],
  [/^#\/a\/audit$/, "admin-audit"],
  [/^#\/c\/campaign$/, "campaign-submit"],
  [/^#\/c\/campaign\/duty$/, "campaign-duty"],
  [/^#\/s\/campaign$/, "campaign-review"],
  [/^#\/s\/campaign\/duty$/, "campaign-issue"],
  [/^#\/s\/yearly$/, "yearly"],
];
const PASSWORD_SCREEN = "#/me/password";

/** The tabs, and the first screen, each role gets: same app, the view chosen by role. */
const ROLE_TABS = {
  inspector: [["#/route", "今日路线"], ["#/tasks", "复查任务"], ["#/outbox", "记录"], ["#/me", "我的"]],
  community: [["#/c/list", "本社区问题"], ["#/c/campaign", "报送·清单"], ["#/outbox", "待同步"], ["#/me", "我的"]],
  supervisor: [["#/s/map", "问题地图"], ["#/s/queue", "待处理"], ["#/s/campaign", "报送·清单"], ["#/s/ledger", "台账"],
    ["#/s/reports", "报表"], ["#/s/routes", "日督导"], ["#/me", "我的"]],
  leader: [["#/l/home", "总览"], ["#/s/ledger", "台账"], ["#/s/reports", "报表"], ["#/me", "我的"]],
  // Nine admin sections do not fit a phone's tab bar: "管理" leads to them all.
  admin: [["#/a", "管理"], ["#/s/ledger", "台账"], ["#/s/reports", "报表"], ["#/me", "我的"]],
};

/** Roles that queue work on the device (an outbox), and so have a sync button. */
const OUTBOX_ROLES = ["inspector", "community", "supervisor"];

/** The role's tabs; a 专班 or 科室 account reads "本单位问题", a community's "本社区问题". */
function tabsOf(user) {
  const tabs = ROLE_TABS[user?.role] || [];
  if (user?.role !== "community" || user.community_id) return tabs;
  return tabs.map(([href, label]) => [href, href === "#/c/list" ? "本单位问题" : label]);
}

/** Rebuild the tab bar for the signed-in role. */
function drawTabs() {
  const tabs = tabsOf(ctx.session?.user);
  const nav = document.getElementById("tabs");
  nav.style.gridTemplateColumns = `repeat(${tabs.length || 1}, 1fr)`;
  nav.replaceChildren(...tabs.map(([href, label]) => {
    const a = document.createElement("a");
    a.href = href;
    a.dataset.tab = href;
    a.textContent = label;
    return a;
  }));
}

function homeOf(role) {
  return (ROLE_TABS[role] || ROLE_TABS.inspector)[0][0];
}

let pruneTimer = 0;

/** After a sync, in a quiet moment: drop the bytes of photos uploaded a week ago (prune.js). */
function schedulePrune() {
  clearTimeout(pruneTimer);
  pruneTimer = setTimeout(async () => {
    const [{ prunePhotos }, { thumbnailOf }] = await Promise.all([import("./prune.js"), import("./camera.js")]);
    const pruned = await prunePhotos(ctx.store, { makeThumb: thumbnailOf });
    if (pruned) current?.onSync?.(ctx);
  }, 2000);
}

/** The shared context every screen receives. */
const ctx = {
  store: null, api: null, syncer: null, geo: null, session: null,
  config: { tile_url: "", tile_attribution: "", gps_far_from_point_m: 200 },
  /** Refresh the outbox badge and the sync button. */
  async refreshBadge() {
    const count = await outboxCount(ctx.store);
    document.getElementById("outbox-count").textContent = String(count);
    const state = ctx.syncer?.state;
    const offline = isOffline() || (state === "waiting" && ctx.syncer?.lastError?.offline);
    const label = offline && state !== "syncing" ? "离线"
      : { syncing: "同步中…", auth: "请重新登录", waiting: "稍后重试" }[state] || "立即同步";
    document.getElementById("sync-label").textContent = label;
  },
  go(hash) { if (location.hash === hash) route(); else location.hash = hash; },
};
window.__cc = ctx; // for diagnostics in the browser console and tests

let current = null;

// One route at a time: a screen still loading finishes (and, marked with an older hash, draws
// nothing) before the next one starts, so the last hash always wins.
let routing = Promise.resolve();

function route() {
  routing = routing.then(routeNow, routeNow);
  return routing;
}

async function routeNow() {
  const home = homeOf(ctx.session?.user?.role);
  const hash = location.hash && location.hash !== "#/" ? location.hash : home;
  if (!ctx.session && hash !== "#/login") return ctx.go("#/login");
  if (ctx.session && hash === "#/login") return ctx.go(home);
  // A temporary password opens nothing but the screen that replaces it.
  if (ctx.session?.must_change_password && hash !== PASSWORD_SCREEN) return ctx.go(PASSWORD_SCREEN);
  const match = ROUTES.map(([re, screen]) => [hash.match(re), screen]).find(([m]) => m);
  if (!match) return ctx.go(home);
  const [m, name] = match;
  const screen = await import(`./screens/${name}.js`);
  if (screen.usesPosition && ctx.session) ctx.geo.start(); // asked where it is needed, not at start
  if (current?.leave) current.leave();
  current = screen;
  const working = ctx.session && !ctx.session.must_change_password;
  document.getElementById("tabs").hidden = !working;
  document.getElementById("sync-button").hidden = !working || !OUTBOX_ROLES.includes(ctx.session.user.role);
  if (working && !document.querySelector(".tabs a")) drawTabs();
  for (const a of document.querySelectorAll(".tabs a")) {
    a.classList.toggle("active", hash.startsWith(a.dataset.tab));
  }
  document.body.dataset.role = ctx.session?.user?.role || "";
  document.body.dataset.screen = name;
  // The screen draws for this hash; a slower screen from an earlier hash must not draw over it.
  document.getElementById("view").dataset.route = location.hash;
  try {
    await screen.show(ctx, ...m.slice(1));
  } catch (err) {
    if (err?.name === "AuthError" && ctx.session) return sessionExpired();
    if (err?.code === "password_change_required" && ctx.session) return passwordChangeRequired();
    console.error(err);
    toast(err?.message || "出错了", "error");
  }
}

/** A 401: forget the token (the outbox stays), and ask the same person to sign in again. */
async function sessionExpired() {
  ctx.syncer.stop();
  if (ctx.session) await ctx.store.setMeta("last_user_id", ctx.session.user.id);
  ctx.session = null;
  await ctx.store.setMeta("session", null);
  document.getElementById("tabs").replaceChildren();
  toast("登录已过期，请重新登录（未同步的记录仍保存在手机上）", "error");
  ctx.go("#/login");
}

/** The server says this account holds a temporary password (an admin reset it): change it first. */
async function passwordChangeRequired() {
  ctx.syncer.stop();
  ctx.session = { ...ctx.session, must_change_password: true };
  await ctx.store.setMeta("session", ctx.session);
  document.getElementById("tabs").replaceChildren();
  toast("请先修改密码", "error");
  ctx.go(PASSWORD_SCREEN);
}

async function loadConfig() {
  try {
    const resp = await fetch("/app-config.json", { cache: "no-store" });
    if (resp.ok && (resp.headers.get("content-type") || "").includes("json")) {
      ctx.config = await resp.json();
      await ctx.store.setMeta("config", ctx.config);
      return;
    }
  } catch { /* offline: use the copy below */ }
  ctx.config = (await ctx.store.getMeta("config")) || ctx.config;
}

/** Register the service worker and show "有新版本 → 刷新" when a new one waits. */
async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  const reg = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  const banner = document.getElementById("update-banner");
  const offer = (worker) => {
    if (!worker || !navigator.serviceWorker.controller) return;
    banner.hidden = false;
    document.getElementById("update-reload").onclick = () => worker.postMessage("skip-waiting");
  };
  offer(reg.waiting);
  reg.addEventListener("updatefound", () => {
    const worker = reg.installing;
    worker?.addEventListener("statechange", () => { if (worker.state === "installed") offer(worker); });
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading || banner.hidden) return;
    reloading = true;
    location.reload();
  });
}

function watchNetwork() {
  const banner = document.getElementById("net-banner");
  const update = () => {
    banner.hidden = navigator.onLine;
    if (ctx.store) ctx.refreshBadge();
  };
  window.addEventListener("online", update);
  window.addEventListener("offline", update);
  update();
}

async function boot() {
  ctx.store = await openStore();
  let deviceId = await ctx.store.getMeta("device_id");
  if (!deviceId) {
    deviceId = crypto.randomUUID();
    await ctx.store.setMeta("device_id", deviceId);
  }
  ctx.session = (await ctx.store.getMeta("session")) || null;
  ctx.api = createApi({ getToken: () => ctx.session?.token });
  ctx.syncer = createSyncer({
    store: ctx.store, api: ctx.api, deviceId, backoff: new Backoff(),
    onChange: () => {
      ctx.refreshBadge();
      if (ctx.syncer?.state === "idle") schedulePrune();
      current?.onSync?.(ctx);
      if (ctx.syncer?.state === "auth" && ctx.session) sessionExpired();
    },
  });
  ctx.geo = createGeo({ onUpdate: (fix, status) => current?.onPosition?.(fix, status) });
  if (navigator.storage?.persist) navigator.storage.persist().catch(() => {});
  document.getElementById("sync-button").addEventListener("click", async () => {
    if (isOffline()) { // nothing to try: say so, not "稍后重试"
      toast(OFFLINE_MESSAGE, "error");
      return;
    }
    const result = await ctx.syncer.syncNow();
    if (result?.error) toast(result.error, "error");
    else if (!result?.skipped) toast("同步完成");
  });
  window.addEventListener("hashchange", route);
  watchNetwork();
  await loadConfig();
  await ctx.refreshBadge();
  await route();
  // The first screen draws before the outbox is looked at: sync starts once it is on screen.
  if (ctx.session && !ctx.session.must_change_password) ctx.syncer.start();
  registerWorker().catch((err) => console.warn("service worker", err));
}

/** Called by the login screen once signed in; another person may not inherit an unsynced outbox. */
ctx.signedIn = async (session) => {
  const last = await ctx.store.getMeta("last_user_id");
  if (last && last !== session.user.id) {
    const left = await outboxCount(ctx.store);
    if (left > 0) {
      throw new Error(`本机还有上一位用户的 ${left} 条未同步记录，请由该用户登录同步后再切换账号`);
    }
    await ctx.store.clearCache();
  }
  await ctx.store.setMeta("last_user_id", session.user.id);
  ctx.session = session;
  await ctx.store.setMeta("session", session);
  if (session.must_change_password) {
    // Every call but the password change answers 403 until then: no sync, no tabs.
    document.getElementById("tabs").replaceChildren();
    ctx.go(PASSWORD_SCREEN);
    return;
  }
  startWork();
};

/** Signed in with a password of one's own: sync, tabs, and the role's first screen. */
function startWork() {
  ctx.syncer.start();
  ctx.syncer.syncNow(); // resumes after a 401 stopped the automatic syncs
  drawTabs();
  ctx.go(homeOf(ctx.session.user.role));
}

/** Called by the password screen once the server took the new password. */
ctx.passwordChanged = async () => {
  const forced = !!ctx.session.must_change_password;
  ctx.session = { ...ctx.session, must_change_password: false };
  await ctx.store.setMeta("session", ctx.session);
  if (forced) startWork();
};

/** Called by the "me" screen; refuses while anything is unsynced. */
ctx.signOut = async () => {
  const left = await outboxCount(ctx.store);
  if (left > 0) {
    toast(`还有 ${left} 条记录未同步，不能退出登录。请先联网同步。`, "error");
    return false;
  }
  try { await ctx.api.post("/api/v1/auth/logout", {}); } catch { /* the token will expire anyway */ }
  ctx.syncer.stop();
  ctx.geo.stop();
  ctx.session = null;
  await ctx.store.setMeta("session", null);
  await ctx.store.clearCache();
  document.getElementById("tabs").replaceChildren();
  navigator.serviceWorker?.controller?.postMessage("clear-user-caches");
  ctx.go("#/login");
  return true;
};

boot().catch((err) => {
  console.error(err);
  document.getElementById("view").textContent = `启动失败：${err?.message || err}`;
});
