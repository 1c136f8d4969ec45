// What counts as an answer from our server, and how each failure is typed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { AuthError, BadResponseError, createApi, HttpError, NetworkError } from "../../pwa/js/api.js";

const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const html = (status) => new Response("<html><body>请先登录 Wi-Fi 认证页面</body></html>", { status, headers: { "Content-Type": "text/html; charset=utf-8" } });
const errorBody = (code, message, fields = {}) => ({ error: { code, message, fields } });

/** A fetch that answers with a fixed response and remembers what it was asked. */
function answering(make) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    return make(url, init);
  };
  return { fetch, calls };
}

const record = () => ({ kind: "inspection", id: randomUUID(), point_id: 12, location_type: "street", started_at: "2026-11-27T09:30:00+08:00", lat: 42.9712, lon: 126.7431, accuracy_m: 8, covert: false, note: "", results: [] });

test("push sends the device id, the records and the bearer token, and returns the checked answer", async () => {
  const recs = [record(), record()];
  const { fetch, calls } = answering(() => json(200, { results: recs.map((r) => ({ id: r.id, status: "created", errors: {} })), missing_photos: [] }));
  const api = createApi({ base: "https://cc.example", getToken: async () => "tok-123", fetch });
  const answer = await api.push(recs, "phone-1");
  assert.equal(calls[0].url, "https://cc.example/api/v1/sync/push");
  assert.equal(calls[0].init.method, "POST");
  assert.equal(calls[0].init.headers.Authorization, "Bearer tok-123");
  assert.deepEqual(JSON.parse(calls[0].init.body), { device_id: "phone-1", records: recs });
  assert.ok(calls[0].init.signal instanceof AbortSignal);
  assert.deepEqual(answer.results.map((r) => r.status), ["created", "created"]);
});

test("a push answer missing a record, or of the wrong shape, is a bad response", async () => {
  const recs = [record(), record()];
  const shapes = [
    { results: [{ id: recs[0].id, status: "created", errors: {} }], missing_photos: [] },
    { results: recs.map((r) => ({ id: r.id, status: "ok" })), missing_photos: [] },
    { results: recs.map((r) => ({ id: r.id, status: "created" })) },
    { ok: true },
    [],
  ];
  for (const body of shapes) {
    const api = createApi({ fetch: async () => json(200, body) });
    await assert.rejects(api.push(recs, "phone-1"), BadResponseError, JSON.stringify(body));
  }
});

test("a captive portal answering 200 with HTML is a bad response, not a success", async () => {
  const api = createApi({ fetch: async () => html(200) });
  const err = await api.push([record()], "phone-1").catch((e) => e);
  assert.ok(err instanceof BadResponseError);
  assert.match(err.message, /Wi-Fi/);
  await assert.rejects(api.get("/api/v1/checklists"), BadResponseError);
});

test("server errors keep the server's code, Chinese message and fields", async () => {
  const api = createApi({ fetch: async () => json(500, errorBody("server_error", "服务器内部错误")) });
  const err = await api.push([record()], "phone-1").catch((e) => e);
  assert.ok(err instanceof HttpError);
  assert.equal(err.status, 500);
  assert.equal(err.code, "server_error");
  assert.equal(err.message, "服务器内部错误");
  assert.equal(err.retryable, true);

  const api422 = createApi({ fetch: async () => json(422, errorBody("invalid_fields", "填写的内容有误", { measures: "不能为空" })) });
  const err422 = await api422.post("/api/v1/findings/x/actions", { action: "reply" }).catch((e) => e);
  assert.deepEqual([err422.status, err422.fields, err422.retryable], [422, { measures: "不能为空" }, false]);

  const gateway = createApi({ fetch: async () => html(502) });
  const err502 = await gateway.get("/api/v1/points").catch((e) => e);
  assert.ok(err502 instanceof HttpError && err502.status === 502 && err502.retryable);
});

test("our server's 401 is an AuthError; a 401 page from something in between is not", async () => {
  const api = createApi({ getToken: () => "old", fetch: async () => json(401, errorBody("unauthorized", "请先登录，或登录已过期")) });
  const err = await api.push([record()], "phone-1").catch((e) => e);
  assert.ok(err instanceof AuthError);
  assert.equal(err.message, "登录已过期，请重新登录");
  const portal = createApi({ getToken: () => "old", fetch: async () => html(401) });
  await assert.rejects(portal.get("/api/v1/points"), BadResponseError);
});

test("wrong credentials at login are an HttpError with the server's message, not an expired login", async () => {
  const { fetch, calls } = answering(() => json(401, errorBody("bad_credentials", "用户名或密码错误")));
  const api = createApi({ getToken: () => "stale", fetch });
  const err = await api.login("zhangwei", "wrong").catch((e) => e);
  assert.ok(err instanceof HttpError && !(err instanceof AuthError));
  assert.equal(err.message, "用户名或密码错误");
  assert.equal(calls[0].init.headers.Authorization, undefined, "login sends no token");

  const ok = createApi({ fetch: async () => json(200, { token: "t".repeat(40), user: { id: 3, username: "zhangwei", display_name: "张伟", role: "inspector", community_id: null } }) });
  assert.equal((await ok.login("zhangwei", "secret")).user.display_name, "张伟");
  const odd = createApi({ fetch: async () => json(200, { token: 5 }) });
  await assert.rejects(odd.login("zhangwei", "secret"), BadResponseError);
});

test("no connection and a server that never answers are network errors", async () => {
  const offline = createApi({ fetch: async () => { throw new TypeError("fetch failed"); } });
  const err = await offline.push([record()], "phone-1").catch((e) => e);
  assert.ok(err instanceof NetworkError);
  assert.equal(err.timeout, false);

  const hang = (url, init) => new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
  const slow = createApi({ fetch: hang, timeouts: { push: 30, get: 30 } });
  const started = Date.now();
  const err2 = await slow.push([record()], "phone-1").catch((e) => e);
  assert.ok(err2 instanceof NetworkError);
  assert.equal(err2.timeout, true);
  assert.match(err2.message, /超时/);
  assert.ok(Date.now() - started < 2000);
});

test("a body that stalls after the headers also times out", async () => {
  const stalled = (url, init) => {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"results": ['));
        init.signal.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
      },
    });
    return Promise.resolve(new Response(body, { status: 200, headers: { "Content-Type": "application/json" } }));
  };
  const api = createApi({ fetch: stalled, timeouts: { push: 30 } });
  const err = await api.push([record()], "phone-1").catch((e) => e);
  assert.ok(err instanceof NetworkError && err.timeout);
});

test("putPhoto sends the bytes with their type, capture metadata and SHA-256", async () => {
  const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]).buffer;
  const sha = createHash("sha256").update(Buffer.from(bytes)).digest("hex");
  const id = randomUUID();
  const { fetch, calls } = answering(() => json(201, { id, sha256: sha, width: 1280, height: 960, content_type: "image/jpeg", taken_at: "2026-11-27T09:31:12+08:00" }));
  const api = createApi({ getToken: () => "tok", fetch });
  const photo = { id, record_id: randomUUID(), type: "image/jpeg", bytes, taken_at: "2026-11-27T09:31:12+08:00", lat: 42.9712, lon: 126.7431, accuracy: 8, state: "pending" };
  const answer = await api.putPhoto(photo);
  assert.equal(answer.status, 201);
  const { url, init } = calls[0];
  assert.equal(url, `/api/v1/photos/${id}`);
  assert.equal(init.method, "PUT");
  assert.equal(init.body, bytes);
  assert.deepEqual(
    { ...init.headers, Authorization: undefined, Accept: undefined },
    { "Content-Type": "image/jpeg", "X-Content-SHA256": sha, "X-Taken-At": "2026-11-27T09:31:12+08:00", "X-Lat": "42.9712", "X-Lon": "126.7431", "X-Accuracy": "8", Authorization: undefined, Accept: undefined },
  );

  const noGps = answering(() => json(200, { id, sha256: sha, width: 1, height: 1, content_type: "image/jpeg", taken_at: null }));
  await createApi({ fetch: noGps.fetch }).putPhoto({ ...photo, lat: null, lon: null, accuracy: null, taken_at: null });
  assert.deepEqual(Object.keys(noGps.calls[0].init.headers).sort(), ["Accept", "Content-Type", "X-Content-SHA256"]);
});

test("putPhoto: 409 and 415 are HttpErrors; an answer about other bytes is a bad response", async () => {
  const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]).buffer;
  const photo = { id: randomUUID(), type: "image/jpeg", bytes, state: "pending" };
  const conflict = createApi({ fetch: async () => json(409, errorBody("photo_conflict", "该照片编号已存在不同内容的照片")) });
  const err = await conflict.putPhoto(photo).catch((e) => e);
  assert.deepEqual([err.status, err.code, err.message], [409, "photo_conflict", "该照片编号已存在不同内容的照片"]);
  const unsupported = createApi({ fetch: async () => json(415, errorBody("unsupported_type", "不支持的图片格式")) });
  assert.equal((await unsupported.putPhoto(photo).catch((e) => e)).status, 415);
  const other = createApi({ fetch: async () => json(200, { id: photo.id, sha256: "0".repeat(64), width: 1, height: 1, content_type: "image/jpeg", taken_at: null }) });
  await assert.rejects(other.putPhoto(photo), BadResponseError);
});

test("post sends the Idempotency-Key and get returns the JSON", async () => {
  const key = randomUUID();
  const { fetch, calls } = answering(() => json(200, { id: "f1", status: "replied" }));
  const api = createApi({ fetch });
  assert.deepEqual(await api.post("/api/v1/findings/f1/actions", { action: "reply" }, { idempotencyKey: key }), { id: "f1", status: "replied" });
  assert.equal(calls[0].init.headers["Idempotency-Key"], key);
  assert.equal(calls[0].init.headers["Content-Type"], "application/json");
  assert.deepEqual(await api.get("/api/v1/checklists"), { id: "f1", status: "replied" });
  assert.equal(calls[1].init.method, "GET");
});

test("findingAction posts {action, ...fields} under the Idempotency-Key and checks the finding it gets back", async () => {
  const findingId = randomUUID();
  const key = randomUUID();
  const finding = { id: findingId, code: "MH-2026-0007", status: "rectified", history: [] };
  const { fetch, calls } = answering(() => json(200, finding));
  const api = createApi({ base: "https://cc.example", getToken: () => "tok-9", fetch });
  const body = { action: "rectify", note: "已清理", photo_ids: [randomUUID()] };
  assert.deepEqual(await api.findingAction(findingId, body, key), finding);
  assert.equal(calls[0].url, `https://cc.example/api/v1/findings/${findingId}/actions`);
  assert.equal(calls[0].init.method, "POST");
  assert.equal(calls[0].init.headers["Idempotency-Key"], key);
  assert.equal(calls[0].init.headers.Authorization, "Bearer tok-9");
  assert.deepEqual(JSON.parse(calls[0].init.body), body);

  const elsewhere = createApi({ fetch: async () => json(200, { ok: true }) }); // JSON, but not a finding
  await assert.rejects(elsewhere.findingAction(findingId, body, key), BadResponseError);
  const portal = createApi({ fetch: async () => html(200) });
  await assert.rejects(portal.findingAction(findingId, body, key), BadResponseError);
  const state = createApi({ fetch: async () => json(409, errorBody("not_allowed_in_state", "问题处于“已销号”状态，不能进行“整改完成”")) });
  const err = await state.findingAction(findingId, body, key).catch((e) => e);
  assert.ok(err instanceof HttpError && !err.retryable);
  assert.deepEqual([err.status, err.message], [409, "问题处于“已销号”状态，不能进行“整改完成”"]);
});
