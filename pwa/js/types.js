// Record shapes, taken from shared_schema/ (the contract wins where these differ).
// JSDoc only: import types with `@typedef {import("./types.js").StoredRecord} StoredRecord`.

/**
 * @typedef {"pass" | "fail" | "na"} ResultValue
 *
 * @typedef {Object} InspectionResult  shared_schema/inspection_record.schema.json#/$defs/result
 * @property {string} id             client UUID; becomes the finding's id when result is "fail"
 * @property {string} item_code      e.g. "street.road_surface"
 * @property {ResultValue} result
 * @property {string} [note]         问题描述
 * @property {string[]} [photo_ids]  before-photos (整改前), at most 20
 *
 * @typedef {Object} InspectionRecord  shared_schema/inspection_record.schema.json
 * @property {"inspection"} kind
 * @property {string} id
 * @property {number | null} [point_id]
 * @property {string} location_type  street | compound | toilet | market | school | practice_station | main_road
 * @property {string} started_at     RFC 3339 with offset, e.g. "2026-11-27T09:30:00+08:00"
 * @property {number | null} [lat]
 * @property {number | null} [lon]
 * @property {number | null} [accuracy_m]
 * @property {boolean} [covert]      暗访
 * @property {string} [note]
 * @property {InspectionResult[]} results  1 … 200
 *
 * @typedef {Object} VerificationRecord  shared_schema/verification_record.schema.json
 * @property {"verification"} kind
 * @property {string} id
 * @property {string} finding_id
 * @property {"pass" | "fail"} verdict
 * @property {string} at
 * @property {number | null} [lat]
 * @property {number | null} [lon]
 * @property {string} [note]
 * @property {string[]} [photo_ids]  a photo or a non-blank note is required
 *
 * @typedef {"reply" | "rectify" | "return" | "request_extension" | "assign" | "deny_return" |
 *   "approve_extension" | "deny_extension" | "set_deadline" | "verify" | "reject" | "void"} ActionName
 *
 * @typedef {Object} ActionRecord  a finding's transition queued on the phone (actions.js); sent as
 *   POST /api/v1/findings/<finding_id>/actions {action, ...fields} with Idempotency-Key: id
 * @property {"action"} kind
 * @property {string} id             client UUID, also the Idempotency-Key; a new one each time it is re-queued
 * @property {string} finding_id
 * @property {ActionName} action
 * @property {Object<string, any>} fields  as shared_schema/finding_action_request.schema.json, without
 *                                   "action": reply {measures, responsible, phone, planned_date},
 *                                   rectify {note, photo_ids (≥ 1)}, verify/reject {note, photo_ids} …
 * @property {string} at             when it was taken on the phone (ISO 8601); kept locally, not sent
 *
 * @typedef {InspectionRecord | VerificationRecord | ActionRecord} SyncRecord
 */

/**
 * @typedef {"draft" | "pending" | "syncing" | "synced" | "rejected" | "conflict"} RecordState
 *
 * @typedef {Object} StoredRecord  what db.js keeps per record (object store "records")
 * @property {string} id              = body.id
 * @property {"inspection" | "verification" | "action"} kind
 * @property {RecordState} state
 * @property {SyncRecord} body        exactly what is pushed; the server tells duplicate from
 *                                    conflict by a hash of it, so it is never rewritten once accepted
 * @property {Object<string, string> | null} errors  the server's field errors (path → Chinese
 *                                    message) when rejected/conflict; photo problems under the
 *                                    photo's path, e.g. "results[0].photo_ids[1]"
 * @property {"created" | "duplicate" | null} server_status  set once the server accepted the
 *                                    record; from then on only refused photos may be replaced
 * @property {string} [accepted_body] the body as accepted (canonical JSON), to refuse later edits
 * @property {string} created_at      ISO 8601 (UTC), also the list order
 * @property {string} updated_at
 * @property {string | null} queued_at
 * @property {string | null} accepted_at
 * @property {string | null} synced_at
 * @property {FindingLink[]} [findings] inspection: which finding each failed item opened or joined
 * @property {object} [result]        action: the finding as the server returned it once applied
 * @property {{status: number, code: string, message: string} | null} [error]  action: the server's
 *                                    refusal; rec.errors then holds its fields, or {action: message}
 * @property {string[]} [replaces]    action: the ids (keys) it had before being re-queued
 */

/**
 * @typedef {"pending" | "uploaded" | "rejected" | "conflict"} PhotoState
 *
 * @typedef {Object} StoredPhoto
 * @property {string} id              client UUID, referenced from the record's photo_ids
 * @property {string} record_id       the StoredRecord it belongs to
 * @property {string} type            MIME type, e.g. "image/jpeg"
 * @property {ArrayBuffer} [bytes]    absent when listed with {bytes: false}
 * @property {number} [size]          byte length, kept beside the bytes
 * @property {string | null} taken_at RFC 3339 with offset
 * @property {number | null} lat
 * @property {number | null} lon
 * @property {number | null} accuracy metres
 * @property {string} [source]        "camera" | "gallery"
 * @property {PhotoState} state
 * @property {string | null} [error]  the server's Chinese message when rejected/conflict
 * @property {string | null} [sha256] known once uploaded
 * @property {string | null} [uploaded_at]
 */

/**
 * @typedef {Object} Counts
 * @property {number} draft
 * @property {number} pending
 * @property {number} syncing
 * @property {number} synced
 * @property {number} rejected
 * @property {number} conflict
 * @property {number} photos_pending  photos not yet uploaded of records in the outbox
 */

/**
 * @typedef {Object} PushResult  shared_schema/sync_push_response.schema.json
 * @property {string | null} id
 * @property {"created" | "duplicate" | "rejected" | "conflict"} status
 * @property {Object<string, string>} errors
 * @property {string[]} [finding_ids]  inspection accepted: the findings its failed items touched
 * @property {FindingLink[]} [findings] inspection accepted: per failed item, the finding it opened
 *                                    or (resighting) the open one it was added to as 仍未整改
 *
 * @typedef {Object} FindingLink
 * @property {string} result_id
 * @property {string} finding_id
 * @property {boolean} resighting
 *
 * @typedef {Object} PushResponse
 * @property {PushResult[]} results
 * @property {string[]} missing_photos
 *
 * @typedef {Object} PhotoUploadResponse  shared_schema/photo_upload_response.schema.json
 * @property {string} id
 * @property {string} sha256
 * @property {number} width
 * @property {number} height
 * @property {string} content_type
 * @property {string | null} taken_at
 * @property {number} status           201 stored, 200 the same bytes were already there
 *
 * @typedef {Object} ErrorBody  shared_schema/error.schema.json
 * @property {{code: string, message: string, fields: Object<string, string>}} error
 */

/**
 * @typedef {"idle" | "syncing" | "waiting" | "auth"} SyncState
 *
 * @typedef {Object} SyncSummary
 * @property {boolean} [skipped]  another sync (this tab or another) was running
 * @property {number} [pushed]    records the server accepted (created or duplicate), actions applied
 * @property {number} [uploaded]  photos uploaded
 * @property {number} [synced]    records that became 已同步
 * @property {number} [failed]    records rejected/conflict and photos refused
 * @property {string} [error]     why the run stopped early, in Chinese, ready to show
 * @property {string} [errorName] "NetworkError" | "AuthError" | "HttpError" | "BadResponseError" | …
 *                                (the Error itself is syncer.lastError)
 */

export {};
