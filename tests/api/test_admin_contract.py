"""The administration endpoints answer what their schemas in shared_schema/ say."""
from io import BytesIO

import openpyxl

from tests.api.test_contract_responses import answer, error


def test_every_admin_answer_fits_its_schema(own_auth):
    a = own_auth
    unit = answer(a.post("admin", "/api/v1/units", json={"name": "文明实践专班", "kind": "task_force"}), "unit", 201)
    answer(a.get("leader", "/api/v1/units"), "units_page")
    answer(a.client.patch(f"/api/v1/units/{unit['id']}", json={"phone": "123"}, headers=a.headers("admin")), "unit")
    made = answer(a.post("admin", "/api/v1/users", json={"username": "zb1", "display_name": "专班人员",
                                                          "role": "community", "unit_id": unit["id"]}),
                  "user_password_answer", 201)
    answer(a.get("supervisor", "/api/v1/users"), "users_page")
    answer(a.client.patch(f"/api/v1/users/{made['id']}", json={"phone": "1"}, headers=a.headers("admin")), "person")
    answer(a.post("admin", f"/api/v1/users/{made['id']}/reset-password", json={}), "user_password_answer")
    login = answer(a.client.post("/api/v1/auth/login", json={"username": "zb1", "password": "x" * 3}), "error", 401)
    assert login["error"]["code"] == "bad_credentials"
    feat = answer(a.post("admin", "/api/v1/points", json={"name": "契约点位", "location_type": "toilet",
                                                          "lat": 42.9772, "lon": 126.7377}), "point_feature", 201)
    answer(a.client.patch(f"/api/v1/points/{feat['id']}", json={"address": "某路"}, headers=a.headers("admin")),
           "point_feature")
    wb = openpyxl.Workbook()
    wb.active.append(["名称", "类型", "纬度", "经度", "社区"])
    wb.active.append(["契约导入", "城堡", 42.977, 126.737, ""])
    buf = BytesIO()
    wb.save(buf)
    r = a.client.post("/api/v1/points/import?dry_run=1", data={"file": (BytesIO(buf.getvalue()), "p.xlsx")},
                      headers=a.headers("admin"), content_type="multipart/form-data")
    answer(r, "points_import_result")
    r = a.client.post("/api/v1/points/import", data={"file": (BytesIO(buf.getvalue()), "p.xlsx")},
                      headers=a.headers("admin"), content_type="multipart/form-data")
    answer(r, "points_import_result", 422)
    answer(r, "error", 422)
    units = a.get("admin", "/api/v1/units").json["items"]
    square = {"type": "Polygon", "coordinates": [[[126.70, 42.95], [126.71, 42.95], [126.71, 42.96],
                                                  [126.70, 42.96], [126.70, 42.95]]]}
    answer(a.client.put(f"/api/v1/communities/{units[0]['id']}/boundary?dry_run=1", json=square,
                        headers=a.headers("admin")), "boundary_answer")
    answer(a.get("inspector", "/api/v1/location-types"), "location_types_page")
    answer(a.post("admin", "/api/v1/location-types", json={"code": "plaza", "name": "广场"}), "location_type", 201)
    answer(a.client.patch("/api/v1/location-types/plaza", json={"name": "城市广场"}, headers=a.headers("admin")),
           "location_type")
    item = answer(a.post("admin", "/api/v1/checklists/plaza/items", json={
        "text": "地面整洁", "category": "公共环境", "limit_days": 3, "unit_id": unit["id"]}), "checklist_item", 201)
    answer(a.client.patch(f"/api/v1/checklists/items/{item['code']}", json={"limit_days": 5},
                          headers=a.headers("admin")), "checklist_item")
    answer(a.client.put("/api/v1/checklists/plaza/order", json={"codes": [item["code"]]},
                        headers=a.headers("admin")), "checklist_items_page")
    answer(a.get("admin", "/api/v1/checklists/items?location_type=street"), "checklist_items_page")
    answer(a.get("inspector", "/api/v1/checklists"), "checklists_response")
    doc = answer(a.get("admin", "/api/v1/settings"), "settings")
    answer(a.client.put("/api/v1/settings", json=doc, headers=a.headers("admin")), "settings")
    answer(a.post("admin", "/api/v1/settings/preview", json={k: doc[k] for k in ("scoring", "grades", "min_cases")}),
           "scoring_preview")
    log = answer(a.get("admin", "/api/v1/audit"), "audit_page")
    assert log["total"] >= 10
    answer(a.get("leader", f"/api/v1/findings?per_page=5"), "findings_page")
    error(a.client.patch("/api/v1/units/999999", json={}, headers=a.headers("admin")), 404)
