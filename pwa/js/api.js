// The HTTP side of the contract (/api/v1): every request has a timeout, every answer is
// checked before it counts. Failures come back as four error types so callers can decide:
//   NetworkError      offline, DNS, timeout, cut connection       → retry later
//   AuthError         our server's 401                            → log in again, keep everything
//   HttpError         our server's JSON error (status, code, message, fields)
//   BadResponseError  something else answered (Wi-Fi login page with 200 HTML, proxy page)
// A captive portal answers 200 with HTML: only our JSON, of the expected shape, is success.

import { learnServerTime } from "./clock.js";

/** @typedef {import("./types.js").PushResponse} PushResponse */
/** @typedef {import("./types.js").PhotoUploadResponse} PhotoUploadResponse */
/** @typedef {import("./types.js").StoredPhoto} StoredPhoto */

export const OFFLINE_MESSAGE = "离线：手机未联网，记录保存在手机上，联网后自动同步";

/** The browser knows it has no network at all (not a slow or refused connection). */
export const isOffline = () => globalThis.navigator?.onLine === false;

export class NetworkError extends Error {
  /** @param {string} [message] @param {{timeout?: boolean, cause?: unknown, offline?: boolean}} [options] */
  constructor(message = "网络连接失败，请检查网络后重试", { timeout = false, cause, offline = false } = {}) {
    super(message, { cause });
    this.name = "NetworkError";
    this.timeout = timeout;
    this.offline = offline;
  }
}

export class AuthError extends Error {
  constructor(message = "登录已过期，请重新登录") {
    super(message);
    this.name = "AuthError";
    this.status = 401;
  }
}

export class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} code      the server's stable English code
   * @param {string} message   the server's Chinese message
   * @param {Object<string, string>} [fields]
   */
  constructor(status, code, message, fields = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.fields = fields;
  }

  /** Worth trying again later (server trouble), as opposed to a refusal. */
  get retryable() {
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

export class BadResponseError extends Error {
  /** @param {number} status @param {string} [message] */
  constructor(status, message = "服务器返回的内容无法识别（若连接了需要登录的 Wi-Fi，请先完成登录）") {
    super(message);
    this.name = "BadResponseError";
    this.status = status;
  }
}

const DEFAULT_TIMEOUTS = { push: 20000, photo: 60000, get: 15000, post: 20000, login: 15000 };
const PUSH_STATUSES = new Set(["created", "duplicate", "rejected", "conflict"]);

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

function isErrorBody(json) {
  return isObject(json?.error) && typeof json.error.code === "string" && typeof json.error.message === "string";
}

async function sha256Hex(bytes) {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Check a push answer: one result with id and status for every record sent.
 * @returns {PushResponse}
 */
function checkPush(json, records, status) {
  if (!isObject(json) || !Array.isArray(json.results) || !Array.isArray(json.missing_photos)) {
    throw new BadResponseError(status);
  }
  const answered = new Set();
  for (const r of json.results) {
    if (!isObject(r) || !(typeof r.id === "string" || r.id === null) || !PUSH_STATUSES.has(r.status)) {
      throw new BadResponseError(status);
    }
    if (r.errors !== undefined && !isObject(r.errors)) throw new BadResponseError(status);
    if (r.id) answered.add(r.id.toLowerCase());
  }
  if (!records.every((rec) => answered.has(String(rec.id).toLowerCase()))) throw new BadResponseError(status);
  if (!json.missing_photos.every((p) => typeof p === "string")) throw new BadResponseError(status);
  return {
    ...json,
    results: json.results.map((r) => ({ ...r, errors: r.errors ?? {} })),
  };
}

/**
 * @param {{base?: string, getToken?: () => (string | null | undefined | Promise<string | null | undefined>),
 *          fetch?: typeof fetch, timeouts?: Partial<typeof DEFAULT_TIMEOUTS>}} [options]
 *   base: origin prefix for the contract's paths ("" = same origin)
 */
export function createApi({ base = "", getToken, fetch = globalThis.fetch, timeouts = {} } = {}) {
  const limits = { ...DEFAULT_TIMEOUTS, ...timeouts };

  /**
   * One request: headers, timeout, and the answer sorted into success or a typed error.
   * The timeout covers the body too: a connection can stall half-way through it.
   * @returns {Promise<{status: number, json: any}>}
   */
  async function request(method, path, { body, headers = {}, timeout, auth = true } = {}) {
    const h = { Accept: "application/json", ...headers };
    if (auth) {
      const token = await getToken?.();
      if (token) h.Authorization = `Bearer ${token}`;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout);
    const failed = (cause) => {
      if (isOffline()) return new NetworkError(OFFLINE_MESSAGE, { cause, offline: true });
      return controller.signal.aborted
        ? new NetworkError("请求超时，请稍后重试", { timeout: true, cause })
        : new NetworkError(undefined, { cause });
    };
    try {
      let resp;
      let text;
      const sentAt = Date.now();
      try {
        resp = await fetch(base + path, { method, headers: h, body, signal: controller.signal });
        text = await resp.text();
      } catch (err) {
        throw failed(err);
      }
      learnServerTime(resp.headers.get("X-Server-Time"), sentAt);
      let json;
      if ((resp.headers.get("Content-Type") ?? "").includes("json")) {
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
      }
      if (resp.ok) {
        if (json === undefined) throw new BadResponseError(resp.status);
        return { status: resp.status, json };
      }
      if (isErrorBody(json)) {
        const { code, message, fields } = json.error;
        if (resp.status === 401 && auth) throw new AuthError();
        throw new HttpError(resp.status, code, message, isObject(fields) ? fields : {});
      }
      if (resp.status >= 500) throw new HttpError(resp.status, "server_error", `服务器暂时无法处理（${resp.status}），稍后自动重试`);
      // A 401/403/404 that is not our JSON came from something in between, not our server.
      throw new BadResponseError(resp.status);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    /**
     * POST /api/v1/sync/push.
     * @param {object[]} records  at most 500 (sync sends 100)
     * @param {string} deviceId
     * @returns {Promise<PushResponse>}
     */
    async push(records, deviceId) {
      const { status, json } = await request("POST", "/api/v1/sync/push", {
        body: JSON.stringify({ device_id: deviceId, records }),
        headers: { "Content-Type": "application/json" },
        timeout: limits.push,
      });
      return checkPush(json, records, status);
    },

    /**
     * PUT /api/v1/photos/<id> with the bytes and the capture metadata.
     * 201 stored, 200 the same bytes were there; 409/400/413/415 come back as HttpError.
     * @param {StoredPhoto} photo  with bytes
     * @returns {Promise<PhotoUploadResponse>}
     */
    async putPhoto(photo) {
      const headers = { "Content-Type": photo.type };
      // crypto.subtle exists only in secure contexts; the header is optional in the contract.
      const sha = globalThis.crypto?.subtle ? await sha256Hex(photo.bytes) : null;
      if (sha) headers["X-Content-SHA256"] = sha;
      if (photo.taken_at) headers["X-Taken-At"] = photo.taken_at;
      if (typeof photo.lat === "number" && typeof photo.lon === "number") {
        headers["X-Lat"] = String(photo.lat);
        headers["X-Lon"] = String(photo.lon);
      }
      if (typeof photo.accuracy === "number") headers["X-Accuracy"] = String(photo.accuracy);
      // The original file's EXIF, read before resizing: the server's photo_not_fresh / exif_mismatch.
      if (photo.original_checked) {
        headers["X-Original-Taken-At"] = photo.original_taken_at || "none";
        if (Number.isFinite(photo.original_lat) && Number.isFinite(photo.original_lon)) {
          headers["X-Original-Lat"] = String(photo.original_lat);
          headers["X-Original-Lon"] = String(photo.original_lon);
        }
      }
      const { status, json } = await request("PUT", `/api/v1/photos/${encodeURIComponent(photo.id)}`, {
        body: photo.bytes,
        headers,
        timeout: limits.photo,
      });
      const valid =
        (status === 200 || status === 201) &&
        isObject(json) &&
        typeof json.id === "string" &&
        json.id.toLowerCase() === photo.id.toLowerCase() &&
        typeof json.sha256 === "string" &&
        (!sha || json.sha256.toLowerCase() === sha);
      if (!valid) throw new BadResponseError(status);
      return { ...json, status };
    },

    /** GET a contract path, e.g. "/api/v1/checklists". @returns {Promise<any>} */
    async get(path) {
      return (await request("GET", path, { timeout: limits.get })).json;
    },

    /**
     * POST a JSON body; the Idempotency-Key (a UUID) makes a replay after a lost answer safe.
     * @param {string} path
     * @param {unknown} body
     * @param {{idempotencyKey?: string}} [options]
     */
    async post(path, body, { idempotencyKey } = {}) {
      const headers = { "Content-Type": "application/json" };
      if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
      return (await request("POST", path, { body: JSON.stringify(body), headers, timeout: limits.post })).json;
    },

    /**
     * POST /api/v1/findings/<id>/actions: one transition, replayable under its Idempotency-Key
     * (a repeat answers the stored response and changes nothing). 409 not in this state, 403
     * role may not, 404 not visible, 422 fields invalid: HttpError with the server's message.
     * @param {string} findingId
     * @param {{action: string}} body  the action and its fields
     * @param {string} idempotencyKey   a UUID: the queued action's id
     * @returns {Promise<object>} the updated finding
     */
    async findingAction(findingId, body, idempotencyKey) {
      const { status, json } = await request("POST", `/api/v1/findings/${encodeURIComponent(findingId)}/actions`, {
        body: JSON.stringify(body),
        headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
        timeout: limits.post,
      });
      const valid = isObject(json) && typeof json.id === "string" &&
        json.id.toLowerCase() === findingId.toLowerCase() && typeof json.status === "string";
      if (!valid) throw new BadResponseError(status);
      return json;
    },

    /**
     * POST /api/v1/auth/login. Wrong credentials are an HttpError(401, "bad_credentials").
     * @returns {Promise<{token: string, user: object, expires_at?: string}>}
     */
    async login(username, password) {
      const { status, json } = await request("POST", "/api/v1/auth/login", {
        body: JSON.stringify({ username, password }),
        headers: { "Content-Type": "application/json" },
        timeout: limits.login,
        auth: false,
      });
      if (!isObject(json) || typeof json.token !== "string" || !isObject(json.user)) {
        throw new BadResponseError(status);
      }
      return json;
    },
  };
}
