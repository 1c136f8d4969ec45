// A fake of our server for the sync tests, behaving like server/services/ingest.py,
// server/api/photos_views.py and server/idempotency.py with the findings' state machine:
// records idempotent by id (a repeat is duplicate, other content a conflict), missing_photos,
// photo PUT idempotent by id and bytes, finding actions applied once per Idempotency-Key
// (a repeat answers the stored response); and it can be told to fail: network error, cut
// (applied, answer lost), 500, a Wi-Fi portal's HTML with 200, hang until timeout, 401.
import { createHash, randomUUID } from "node:crypto";
import { openStore } from "../../pwa/js/db.js";
import { createApi } from "../../pwa/js/api.js";
import { createSyncer } from "../../pwa/js/sync.js";

export const TOKEN = "inspector-zhangwei-token-0001";

export function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  return JSON.stringify(value);
}

export const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
export const apiError = (status, code, message, fields = {}) => json(status, { error: { code, message, fields } });
export const sha256 = (buf) => createHash("sha256").update(Buffer.from(buf)).digest("hex");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const TODAY = "2026-11-27";

const STATUS_LABELS = { unassigned: "待派发", assigned: "待答复", returned: "待改派", replied: "整改中", rectified: "待复查", closed: "已销号", void: "已作废" };
/** The part of server/services/lifecycle.py the tests need: from which states, to which. */
const MOVES = {
  reply: { label: "答复", from: ["assigned"], to: "replied" },
  rectify: { label: "整改完成", from: ["assigned", "replied"], to: "rectified" },
  return: { label: "回退", from: ["assigned"], to: "returned" },
  request_extension: { label: "申请延期", from: ["replied"], to: "replied" },
  verify: { label: "复查通过", from: ["rectified"], to: "closed" },
  reject: { label: "复查不通过", from: ["rectified"], to: "replied" },
  void: { label: "作废", from: ["unassigned", "assigned", "returned", "replied", "rectified"], to: "void" },
};
const errorBody = (code, message, fields = {}) => ({ error: { code, message, fields } });
const invalid = (field, message) => [422, errorBody("invalid_fields", message, { [field]: message })];

const photoIdsOf = (r) => (r.kind === "verification" ? r.photo_ids ?? [] : r.results.flatMap((x) => x.photo_ids ?? []));

export function createFakeServer() {
  const plan = [];
  const server = {
    records: new Map(), // id → {canon, body}
    created: new Map(), // id → how many times it was created (must stay 1)
    photos: new Map(), // id → {sha256, headers}
    pushes: [], // ids of each push that reached the server
    puts: [], // photo ids of each PUT that reached the server
    findings: new Map(), // id → {id, status, history: [{action, key, from, to, photo_ids}]}
    keys: new Map(), // Idempotency-Key → the stored 2xx answer {status, text}
    actionPosts: [], // each action POST that reached the server: {key, finding_id, body, replayed}
    log: [], // "push", "put:<photo id>" and "post:<key>" in the order they reached the server
    /** (finding, body) → [status, errorBody] to refuse an action, or null */
    refuseAction: null,
    token: TOKEN,
    /** (record) → field errors to reject it, or null */
    rejectIf: null,
    /** Make the next matching request(s) fail: network | cut | 500 | html | hang | 401 | 415. */
    fail(mode, { on = "any", times = 1 } = {}) {
      for (let i = 0; i < times; i += 1) plan.push({ mode, on });
    },
    /** A finding as the server holds it, in a state; @returns its id. */
    addFinding(status = "assigned") {
      const id = randomUUID();
      server.findings.set(id, { id, code: `MH-2026-${String(server.findings.size + 1).padStart(4, "0")}`, status, history: [] });
      return id;
    },
    postCount: (key) => server.actionPosts.filter((p) => p.key === key).length,
    /** How many times an action was applied under this key (must stay ≤ 1). */
    appliedCount: (key) => [...server.findings.values()].flatMap((f) => f.history).filter((e) => e.key === key).length,
    pushCount: (id) => server.pushes.filter((ids) => ids.includes(id)).length,
    putCount: (id) => server.puts.filter((p) => p === id).length,
    async fetch(url, init = {}) {
      const path = new URL(url, "https://cc.example").pathname;
      const acting = /^\/api\/v1\/findings\/([^/]+)\/actions$/.exec(path);
      const kind = path === "/api/v1/sync/push" ? "push" : path.startsWith("/api/v1/photos/") ? "photo" : acting ? "action" : "other";
      const i = plan.findIndex((f) => f.on === "any" || f.on === kind);
      const mode = i >= 0 ? plan.splice(i, 1)[0].mode : null;
      if (mode === "network") throw new TypeError("fetch failed");
      if (mode === "hang") {
        return new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(new DOMException("This operation was aborted", "AbortError"))));
      }
      if (mode === "html") return new Response("<!doctype html><title>Wi-Fi 认证</title><form>请输入手机号</form>", { status: 200, headers: { "Content-Type": "text/html" } });
      if (mode === "500") return apiError(500, "server_error", "服务器内部错误");
      if (mode === "401") return apiError(401, "unauthorized", "请先登录，或登录已过期");
      if (init.headers?.Authorization !== `Bearer ${server.token}`) return apiError(401, "unauthorized", "请先登录，或登录已过期");
      if (mode === "415") {
        server.puts.push(path.split("/").pop());
        return apiError(415, "unsupported_type", "不支持的图片格式，请使用 JPEG、PNG 或 WebP");
      }
      const answer =
        kind === "push" ? server.push(JSON.parse(init.body))
          : kind === "photo" ? server.putPhoto(path.split("/").pop(), init)
            : kind === "action" && init.method === "POST" ? server.act(decodeURIComponent(acting[1]), init)
              : apiError(404, "not_found", "未找到");
      if (mode === "cut") throw new TypeError("fetch failed: other side closed"); // applied, answer lost
      return answer;
    },
    push(body) {
      server.pushes.push(body.records.map((r) => r.id));
      server.log.push("push");
      const results = [];
      const referenced = [];
      for (const rec of body.records) {
        const canon = canonical(rec);
        const seen = server.records.get(rec.id);
        if (seen) {
          if (seen.canon === canon) {
            results.push({ id: rec.id, status: "duplicate", errors: {} });
            referenced.push(...photoIdsOf(rec));
          } else {
            results.push({ id: rec.id, status: "conflict", errors: { id: "该编号已有内容不同的记录" } });
          }
          continue;
        }
        const errors = server.rejectIf?.(rec);
        if (errors) {
          results.push({ id: rec.id, status: "rejected", errors });
          continue;
        }
        server.records.set(rec.id, { canon, body: rec });
        server.created.set(rec.id, (server.created.get(rec.id) ?? 0) + 1);
        results.push({ id: rec.id, status: "created", errors: {} });
        referenced.push(...photoIdsOf(rec));
      }
      const missing = [...new Set(referenced)].filter((p) => !server.photos.has(p));
      return json(200, { results, missing_photos: missing });
    },
    /** POST /api/v1/findings/<id>/actions as server/idempotency.py wraps it: a stored key replays. */
    act(findingId, init) {
      const key = init.headers["Idempotency-Key"];
      const body = JSON.parse(init.body);
      const post = { key, finding_id: findingId, body, replayed: false };
      server.actionPosts.push(post);
      server.log.push(`post:${key}`);
      if (key !== undefined && !UUID.test(key)) return apiError(400, "bad_idempotency_key", "Idempotency-Key 须为 UUID");
      const stored = key && server.keys.get(key);
      if (stored) {
        post.replayed = true;
        return new Response(stored.text, { status: stored.status, headers: { "Content-Type": "application/json", "Idempotent-Replayed": "true" } });
      }
      const [status, payload] = server.applyAction(findingId, body, key);
      const text = JSON.stringify(payload);
      if (key && status < 300) server.keys.set(key, { status, text });
      return new Response(text, { status, headers: { "Content-Type": "application/json" } });
    },
    /** One transition, or [4xx, error] changing nothing. @returns {[number, object]} */
    applyAction(findingId, body, key) {
      const f = server.findings.get(findingId);
      if (!f) return [404, errorBody("not_found", "问题不存在或无权查看")];
      const move = MOVES[body.action];
      if (!move) return [400, errorBody("unknown_action", `未知操作：${body.action}`, { action: "未知操作" })];
      const refused = server.refuseAction?.(f, body);
      if (refused) return refused;
      if (!move.from.includes(f.status)) {
        return [409, errorBody("not_allowed_in_state", `问题处于“${STATUS_LABELS[f.status]}”状态，不能进行“${move.label}”`)];
      }
      if (body.action === "reply") {
        for (const name of ["measures", "responsible", "planned_date"]) if (!body[name]) return invalid(name, "缺少必填项");
        if (body.planned_date < TODAY) return invalid("planned_date", "计划完成日期不能早于今天");
      }
      if (body.action === "rectify") {
        const ids = body.photo_ids ?? [];
        if (!ids.length) return invalid("photo_ids", "至少需要一张整改后照片");
        const missing = ids.filter((p) => !server.photos.has(p));
        if (missing.length) return invalid("photo_ids", `照片尚未上传：${missing.join(", ")}`);
      }
      const from = f.status;
      f.status = move.to;
      f.history.push({ action: body.action, key, from, to: f.status, photo_ids: body.photo_ids ?? [] });
      return [200, structuredClone(f)];
    },
    putPhoto(id, init) {
      server.puts.push(id);
      server.log.push(`put:${id}`);
      const digest = sha256(init.body);
      const claimed = init.headers["X-Content-SHA256"];
      if (claimed && claimed !== digest) return apiError(400, "checksum_mismatch", "内容校验值与上传内容不符");
      const stored = server.photos.get(id);
      const answer = { id, sha256: digest, width: 1280, height: 960, content_type: init.headers["Content-Type"], taken_at: init.headers["X-Taken-At"] ?? null };
      if (stored) return stored.sha256 === digest ? json(200, answer) : apiError(409, "photo_conflict", "该照片编号已存在不同内容的照片");
      server.photos.set(id, { sha256: digest, headers: { ...init.headers } });
      return json(201, answer);
    },
  };
  return server;
}

/** Web Locks as two tabs of one browser share them: request(name, {ifAvailable}, cb). */
export function fakeWebLocks() {
  const held = new Set();
  const calls = [];
  return {
    calls,
    async request(name, options, callback) {
      calls.push({ name, options });
      await Promise.resolve(); // the real API answers asynchronously
      if (held.has(name)) {
        if (options.ifAvailable) return callback(null);
        throw new Error("fake locks only support ifAvailable");
      }
      held.add(name);
      try {
        return await callback({ name, mode: "exclusive" });
      } finally {
        held.delete(name);
      }
    },
  };
}

// ---------------------------------------------------------------- records and photos

export function jpeg(size, seed) {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i += 1) b[i] = (i * 131 + seed * 7919) & 0xff;
  b.set([0xff, 0xd8, 0xff, 0xe0], 0);
  b.set([0xff, 0xd9], size - 2);
  return b.buffer;
}

let seed = 0;
export function photo(extra = {}) {
  seed += 1;
  return { id: randomUUID(), type: "image/jpeg", bytes: jpeg(3000 + seed, seed), taken_at: "2026-11-27T09:31:12+08:00", lat: 42.97121, lon: 126.74305, accuracy: 7.5, source: "camera", ...extra };
}


export async function setup({ timeouts, locks, ...opts } = {}) {
  const server = createFakeServer();
  const store = await openStore(`sync-${randomUUID()}`);
  const phone = { token: TOKEN }; // what the phone stored at login
  const api = createApi({ getToken: () => phone.token, fetch: (url, init) => server.fetch(url, init), timeouts });
  const changes = [];
  const syncer = createSyncer({ store, api, deviceId: "phone-zhangwei-01", locks, onChange: (c) => changes.push(c), ...opts });
  return { server, store, api, syncer, changes, phone };
}
