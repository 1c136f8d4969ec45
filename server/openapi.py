"""The OpenAPI 3.1 document, built from the routes and the JSON Schemas in shared_schema/."""
import re

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
    "api.get_export": (None, "export_job"),
    "api.get_letter": (None, "letter"),
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
}
ERRORS = {"400": "请求格式不正确", "401": "未登录或登录已过期", "403": "角色无权",
          "404": "不存在或不可见", "409": "当前状态不允许", "413": "内容过大",
          "415": "不支持的类型", "422": "字段有误"}


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
                  "summary": doc[0] if doc else rule.endpoint, "parameters": params,
                  "responses": {"200": {"description": "成功", "content": {
                      "application/json": {"schema": _ref(resp) if resp else {}}}}}}
            for code, text in ERRORS.items():
                op["responses"][code] = {"description": text,
                                         "content": {"application/json": {"schema": _ref("error")}}}
            if req:
                op["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": _ref(req)}}}
            if rule.endpoint != "api.login":
                op["security"] = [{"bearer": []}]
            paths.setdefault(path, {})[method.lower()] = op
    schemas = {name: shared_schema.load_schema(name) for name in shared_schema.schema_names()}
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
