"""The OpenAPI 3.1 document, built from the routes and the JSON Schemas in shared_schema/.

The schemas are bundled into components: every $ref is rewritten to point inside the document
(`common.json#/$defs/x` → `#/components/schemas/common/$defs/x`), so generators and
validators resolve everything without fetching anything.
"""
import json
import re
from functools import lru_cache

from flask import Blueprint, current_app, jsonify

import shared_schema

bp = Blueprint("openapi", __name__)

# endpoint → (request body schema, 2xx response schema); None where there is no JSON body.
SCHEMAS = {
    "api.login": ("login_request", "login_response"),
    "api.push": ("sync_push_request", "sync_push_response"),
    "api.pull": (None, "sync_pull_response"),
    "api.communities": (None, "communities_collection"),
    "api.points": (None, "points_collection"),
    "api.checklists": (None, "checklists_response"),
    "api.list_findings": (None, "findings_page"),
    "api.get_finding": (None, "finding"),
    "api.create_finding": ("finding_create_request", "finding"),
    "api.act_on_finding": ("finding_action_request", "finding"),
    "api.put_photo": (None, "photo_upload_response"),
    "api.due": (None, "calendar_due_response"),
    "api.put_day": ("calendar_day_update", None),
    "api.list_letters": (None, "letters_page"),
    "api.map_findings": (None, "map_findings_collection"),
    "api.create_export": ("export_request", "export_job"),
    "api.report_weekly": (None, "report_weekly"),
    "api.report_monthly": (None, "report_monthly"),
    "api.report_coverage": (None, "report_coverage"),
    "api.publish_bulletin": ("bulletin_publish_request", "bulletin"),
    "api.list_bulletins": (None, "bulletins_page"),
    "api.get_export": (None, "export_job"),
    "api.get_letter": (None, "letter"),
    "api.issue_letter": (None, "letter"),
    "api.edit_letter": ("letter_draft_update", "letter"),
    "api.merge_letter": ("letter_merge_request", "letter"),
    "api.instruct": ("letter_instruction_request", "letter_instruction"),
    "api.reply_to_notice": ("notice_reply_request", "notice_reply_answer"),
    "api.change_password": ("password_change_request", None),
    "api.list_units": (None, "units_page"),
    "api.create_unit": ("unit_create_request", "unit"),
    "api.update_unit": ("unit_update_request", "unit"),
    "api.list_users": (None, "users_page"),
    "api.create_user": ("user_create_request", "user_password_answer"),
    "api.update_user": ("user_update_request", "person"),
    "api.reset_password": (None, "user_password_answer"),
    "api.create_point": ("point_create_request", "point_feature"),
    "api.update_point": ("point_update_request", "point_feature"),
    "api.import_points": (None, "points_import_result"),
    "api.put_boundary": (None, "boundary_answer"),
    "api.location_types": (None, "location_types_page"),
    "api.create_location_type": ("location_type_create_request", "location_type"),
    "api.update_location_type": ("location_type_update_request", "location_type"),
    "api.checklist_items": (None, "checklist_items_page"),
    "api.create_item": ("checklist_item_create_request", "checklist_item"),
    "api.update_item": ("checklist_item_update_request", "checklist_item"),
    "api.order_items": ("checklist_order_request", "checklist_items_page"),
    "api.get_settings": (None, "settings"),
    "api.put_settings": ("settings", "settings"),
    "api.preview_scoring": ("scoring_preview_request", "scoring_preview"),
    "api.list_audit": (None, "audit_page"),
    "api.create_submission": ("submission_create_request", "submission"),
    "api.list_submissions": (None, "submissions_page"),
    "api.get_submission": (None, "submission"),
    "api.review_submission": ("submission_review_request", "submission"),
    "api.create_duty_list": ("duty_list_create_request", "duty_list"),
    "api.list_duty_lists": (None, "duty_lists_page"),
    "api.duty_list_draft": (None, "duty_list_draft"),
    "api.get_duty_list": (None, "duty_list"),
    "api.complete_duty_item": ("duty_complete_request", "duty_item"),
    "api.confirm_duty_item": ("duty_review_request", "duty_item"),
    "api.reject_duty_item": ("duty_review_request", "duty_item"),
    "api.report_submissions": (None, "report_submissions"),
    "api.report_duty": (None, "report_duty"),
    "api.report_yearly": (None, "report_yearly"),
    "api.day_routes": (None, "routes_day"),
    "api.get_route": (None, "route"),
    "api.put_route": ("route_put_request", "route"),
    "open311.services": (None, "georeport_services"),
    "open311.requests_list": (None, "georeport_service_requests"),
    "open311.request_one": (None, "georeport_service_requests"),
}
GEOREPORT_DIR = shared_schema.SCHEMA_DIR / "georeport"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_REF = re.compile(r"^(?:(?P<file>[\w.-]+?)\.json)?(?:#(?P<pointer>.*))?$")
ERRORS = {"400": "请求格式不正确", "401": "未登录或登录已过期", "403": "角色无权",
          "404": "不存在或不可见", "409": "当前状态不允许", "413": "内容过大",
          "415": "不支持的类型", "422": "字段有误", "429": "尝试过于频繁", "503": "服务暂不可用",
          "507": "存储空间不足"}
# Success statuses other than 200 (a photo PUT answers 201 new, 200 the same bytes again).
SUCCESS = {"api.create_unit": ("201",), "api.create_user": ("201",), "api.create_point": ("201",),
           "api.create_location_type": ("201",), "api.create_item": ("201",),
           "api.create_export": ("202",), "api.put_photo": ("201", "200"),
           "api.change_password": ("204",), "api.create_submission": ("201",),
           "api.create_duty_list": ("201",), "api.instruct": ("201",), "api.create_finding": ("201", "200"),
           "api.publish_bulletin": ("201", "200")}
# Request headers an endpoint reads (beyond Authorization and Idempotency-Key).
_TIME = {"type": "string", "maxLength": 40}
_NUMBER = {"type": "string", "maxLength": 32}
HEADERS = {"api.put_photo": [
    ("X-Content-SHA256", {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"}, "内容的 SHA-256（十六进制），不符则 400"),
    ("X-Taken-At", _TIME, "拍摄时间（带时区的 ISO 8601，90 天内）"),
    ("X-Lat", _NUMBER, "拍摄时手机定位纬度"), ("X-Lon", _NUMBER, "拍摄时手机定位经度"),
    ("X-Accuracy", _NUMBER, "定位精度（米）"),
    ("X-Original-Taken-At", _TIME, "原始照片 EXIF 拍摄时间（缩放前读取；任意时间，或 none 表示原图无拍摄时间）：用于 photo_not_fresh"),
    ("X-Original-Lat", _NUMBER, "原始照片 EXIF 纬度（与 X-Original-Lon 同时提供）：用于 exif_mismatch"),
    ("X-Original-Lon", _NUMBER, "原始照片 EXIF 经度"),
]}
# Answers that are not JSON: files, photos, pages.
MEDIA = {"api.ledger_csv": "text/csv", "api.ledger_xlsx": XLSX_MEDIA, "api.points_template": XLSX_MEDIA,
         "api.points_export": XLSX_MEDIA, "api.get_photo": "image/jpeg", "api.download_export": "application/octet-stream",
         "open311.services": "application/json", "open311.requests_list": "application/json",
         "api.submissions_archive": "application/zip"}


def _path(rule: str) -> tuple[str, list[dict]]:
    """Turn /x/<int:id> into /x/{id} and list its path parameters."""
    params = []

    def repl(m):
        """Replace one converter."""
        conv, name = (m.group(1) or "string"), m.group(2)
        params.append({"name": name, "in": "path", "required": True,
                       "schema": {"type": "integer" if conv == "int" else "string"}})
        return "{" + name + "}"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", repl, rule), params


def _ref(name: str) -> dict:
    """A reference to an embedded component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def _rewrite(node, own: str, prefix: str = ""):
    """Copy a schema with every $ref pointing inside the document; drop $id and $schema."""
    if isinstance(node, list):
        return [_rewrite(x, own, prefix) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("$id", "$schema"):
            continue
        if key == "$ref" and isinstance(value, str):
            m = _REF.match(value)
            target = prefix + m.group("file") if m and m.group("file") else own
            out[key] = f"#/components/schemas/{target}{(m.group('pointer') or '') if m else ''}"
        else:
            out[key] = _rewrite(value, own, prefix)
    return out


@lru_cache(maxsize=1)
def bundled_schemas() -> dict:
    """Every contract schema (and the GeoReport ones) as components whose refs resolve inside."""
    out = {name: _rewrite(shared_schema.load_schema(name), name) for name in shared_schema.schema_names()}
    for path in sorted(GEOREPORT_DIR.glob("*.schema.json")):
        name = "georeport_" + path.name[: -len(".schema.json")]
        out[name] = _rewrite(json.loads(path.read_text(encoding="utf-8")), name, "georeport_")
    return out


def build_spec(app) -> dict:
    """Assemble the document from the app's /api/v1 and /open311 routes."""
    paths: dict = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/v1", "/open311")):
            continue
        view = app.view_functions[rule.endpoint]
        path, params = _path(rule.rule)
        req, resp = SCHEMAS.get(rule.endpoint, (None, None))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            doc = (view.__doc__ or "").strip().splitlines()
            op = {"operationId": rule.endpoint.replace(".", "_") + "_" + method.lower(),
                  "summary": doc[0] if doc else rule.endpoint,
                  "parameters": params + [{"name": name, "in": "header", "required": False, "schema": schema,
                                           "description": text}
                                          for name, schema, text in HEADERS.get(rule.endpoint, [])],
                  "responses": {}}
            media = MEDIA.get(rule.endpoint, "application/json")
            for code in SUCCESS.get(rule.endpoint, ("200",)):
                op["responses"][code] = ({"description": "成功"} if code == "204" else {
                    "description": "成功", "content": {media: {"schema": _ref(resp) if resp else {}}}})
            for code, text in ERRORS.items():
                op["responses"][code] = {"description": text,
                                         "content": {"application/json": {"schema": _ref("error")}}}
            if req:
                op["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": _ref(req)}}}
            if rule.endpoint != "api.login":
                op["security"] = [{"bearer": []}]
            paths.setdefault(path, {})[method.lower()] = op
    schemas = bundled_schemas()
    return {
        "openapi": "3.1.0",
        "info": {"title": "创城督导 API", "version": "1.0.0",
                 "description": "明桦街道创城督导：同步、问题台账、整改闭环与函件。"},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
    }


@bp.get("/api/openapi.json")
def openapi():
    """The OpenAPI document."""
    return jsonify(build_spec(current_app))
