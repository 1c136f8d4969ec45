// The "action" record: a finding's transition taken offline (a community's rectification on
// site, a reply, a supervisor's verification …), kept in the outbox like an inspection and
// sent by sync as POST /api/v1/findings/<finding_id>/actions with its id as Idempotency-Key.
// The server answers a repeat of the same key with the stored answer, so a replay after a
// lost answer applies nothing twice; a refused action (4xx) was never applied, so queueing it
// again under a new id is safe too (outbox.queue does that).
// This module is a leaf: the action's rules, and the state changes sync makes; outbox.js
// uses the rules, so nothing here imports outbox.js.

/** @typedef {import("./types.js").StoredRecord} StoredRecord */
/** @typedef {import("./types.js").StoredPhoto} StoredPhoto */
/** @typedef {import("./types.js").ActionRecord} ActionRecord */
/** @typedef {import("./db.js").Store} Store */

/**
 * Each action (shared_schema/finding_action_request.schema.json), its name on screen, the
 * fields the server requires, and how its photos count.
 * photos: "required" at least one (rectify), "or_note" a photo or a note (verify, reject).
 */
export const ACTIONS = {
  reply: { label: "答复", required: ["measures", "responsible", "planned_date"] },
  rectify: { label: "整改完成", required: [], photos: "required" },
  return: { label: "回退", required: ["reason"] },
  request_extension: { label: "申请延期", required: ["reason", "until"] },
  assign: { label: "派发", required: ["community_id"] },
  deny_return: { label: "驳回回退", required: [] },
  approve_extension: { label: "同意延期", required: [] },
  deny_extension: { label: "不同意延期", required: [] },
  set_deadline: { label: "调整时限", required: ["rectify_due"] },
  set_severity: { label: "调整严重程度", required: ["severity"] },
  verify: { label: "复查通过", required: [], photos: "or_note" },
  reject: { label: "复查不通过（返工）", required: [], photos: "or_note" },
  void: { label: "作废", required: ["reason"] },
  // Not a finding's transition, but queued and replayed the same way (Idempotency-Key = id):
  // finding_id then names the target ("submission", or the duty item's id) and post its path.
  submit: { label: "信息报送", required: ["title", "kind", "body"], post: () => "/api/v1/submissions" },
  complete_duty: { label: "责任清单事项完成", required: [], photos: "or_note",
    post: (target) => `/api/v1/duty-items/${encodeURIComponent(target)}/complete` },
};

/** The path a queued action posts to when it is not a finding's transition, else null. */
export function actionPath(body) {
  const post = ACTIONS[body.action]?.post;
  return post ? post(body.finding_id) : null;
}

/** Action name → what the screen calls it. */
export const ACTION_LABELS = Object.fromEntries(Object.entries(ACTIONS).map(([k, v]) => [k, v.label]));

/** What the forms call the fields a record carries (for local checks and the server's refusals). */
export const FIELD_NAMES = {
  measures: "整改措施", responsible: "责任人", planned_date: "计划完成日期", reason: "原因",
  until: "延期日期", community_id: "责任单位", rectify_due: "整改时限", title: "标题", kind: "类别",
  body: "内容", phone: "联系电话", note: "说明", photo_ids: "照片", results: "检查项", point_id: "点位",
  started_at: "检查时间", lat: "位置", lon: "位置",
};
const DATE_FIELDS = ["planned_date", "until", "rectify_due"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const nowIso = () => new Date().toISOString();
const blank = (v) => v === undefined || v === null || (typeof v === "string" && !/\S/.test(v));

/**
 * Check an action body and fill its defaults, on a copy (the id is already set).
 * Throws TypeError for what no edit can fix: an unknown action, no finding, an id that is
 * not a UUID (it is the Idempotency-Key).
 * @param {Partial<ActionRecord>} body
 * @returns {ActionRecord}
 */
export function normalizeAction(body) {
  if (!Object.hasOwn(ACTIONS, body.action)) throw new TypeError(`未知的操作：${body.action}`);
  if (typeof body.finding_id !== "string" || !body.finding_id) throw new TypeError("操作缺少问题编号");
  if (!UUID.test(body.id)) throw new TypeError("操作编号须为 UUID（它也是 Idempotency-Key）");
  const b = structuredClone(body);
  const { action: _dropped, ...fields } = b.fields ?? {}; // the action is the body's, not a field
  if (ACTIONS[b.action].photos) fields.photo_ids ??= [];
  b.fields = fields;
  b.at ??= nowIso(); // when it was taken, for the list; not sent
  return b;
}

/**
 * Where each photo is referenced, named as the server names the field.
 * @param {ActionRecord} body
 * @returns {Map<string, string>} photo id (lowercase) → "photo_ids[0]"
 */
export function actionPhotoPaths(body) {
  const out = new Map();
  (body.fields?.photo_ids ?? []).forEach((p, j) => out.set(String(p).toLowerCase(), `photo_ids[${j}]`));
  return out;
}

/**
 * Local checks before queueing (the server checks again): required fields, dates, photos.
 * @param {ActionRecord} body
 * @param {StoredPhoto[]} photos  the record's photos on the phone, without bytes
 * @returns {Object<string, string>} field → Chinese message; empty when fine
 */
export function actionProblems(body, photos) {
  const spec = ACTIONS[body.action];
  const f = body.fields ?? {};
  const out = {};
  for (const name of spec.required) {
    if (blank(f[name])) out[name] = `请填写${FIELD_NAMES[name] ?? name}`;
  }
  for (const name of DATE_FIELDS) {
    if (!blank(f[name]) && !/^\d{4}-\d{2}-\d{2}$/.test(f[name])) out[name] = "日期格式须为 YYYY-MM-DD";
  }
  const ids = f.photo_ids ?? [];
  if (spec.photos === "required" && !ids.length) out.photo_ids = "整改完成须至少附一张整改后照片";
  if (spec.photos === "or_note" && !ids.length && blank(f.note)) {
    out.photo_ids = body.action === "complete_duty" ? "请填写完成情况或附照片" : "复查须拍照或填写说明";
  }
  const byId = new Map(photos.map((p) => [p.id.toLowerCase(), p]));
  for (const [pid, path] of actionPhotoPaths(body)) {
    if (byId.get(pid)?.state === "conflict") out[path] = "该照片编号已被占用，请重新拍摄";
  }
  return out;
}

/** The JSON body of the POST: the action and its fields. */
export function actionRequest(body) {
  return actionPath(body) ? { ...body.fields } : { ...body.fields, action: body.action };
}

// ---------------------------------------------------------------- what sync changes

/**
 * The next action to send: the oldest pending one, skipping those already tried in this
 * run and any on a finding whose earlier action is still waiting (so each finding's
 * actions reach the server in the order they were taken).
 * @param {Store} store
 * @param {Set<string>} [tried]   action ids already sent in this run
 * @returns {Promise<StoredRecord | undefined>}
 */
export async function nextAction(store, tried = new Set()) {
  const oldestFirst = (await store.listRecords({ states: ["pending"] })).reverse();
  const waiting = new Set();
  for (const rec of oldestFirst) {
    if (rec.kind !== "action") continue;
    const finding = rec.body.finding_id.toLowerCase();
    if (!tried.has(rec.id) && !waiting.has(finding)) return rec;
    waiting.add(finding);
  }
  return undefined;
}

/**
 * The action's photos still to PUT, in photo_ids order, without their bytes.
 * @param {Store} store
 * @param {StoredRecord} rec
 * @returns {Promise<StoredPhoto[]>}
 */
export async function actionPhotosToUpload(store, rec) {
  const byId = new Map((await store.photosOf(rec.id, { bytes: false })).map((p) => [p.id.toLowerCase(), p]));
  return [...actionPhotoPaths(rec.body).keys()].map((id) => byId.get(id)).filter((p) => p?.state === "pending");
}

/**
 * The server applied the action (or answered a replay of it): 已同步, with the finding it
 * returned kept as rec.result for the screens.
 * @param {Store} store
 * @param {string} id
 * @param {object} finding  the updated finding as the server returned it
 * @returns {Promise<boolean>} false when the record was no longer on its way
 */
export async function actionApplied(store, id, finding) {
  return store.mutate(async (t) => {
    const rec = await t.getRecord(id);
    if (!rec || !["pending", "syncing"].includes(rec.state)) return false;
    const stamp = nowIso();
    await t.putRecord({
      ...rec, state: "synced", result: finding, errors: null, error: null,
      accepted_at: stamp, synced_at: stamp, updated_at: stamp,
    });
    return true;
  });
}

/**
 * The server refused the action (403/404/409/422 …): 未通过, with its reasons. rec.errors
 * holds the server's fields (e.g. {planned_date: "计划完成日期不能早于今天"}), or, when it
 * names none (a 409 for the finding's state), {action: message}; rec.error the whole answer.
 * @param {Store} store
 * @param {string} id
 * @param {{status: number, code: string, message: string, fields?: Object<string, string>}} err
 */
export async function actionRefused(store, id, err) {
  return store.mutate(async (t) => {
    const rec = await t.getRecord(id);
    if (!rec || !["pending", "syncing"].includes(rec.state)) return false;
    const fields = err.fields && Object.keys(err.fields).length ? { ...err.fields } : { action: err.message };
    await t.putRecord({
      ...rec, state: "rejected", errors: fields,
      error: { status: err.status, code: err.code, message: err.message }, updated_at: nowIso(),
    });
    return true;
  });
}
