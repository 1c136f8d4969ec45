"""Points and boundaries: admins add, move, import and retire points and upload boundaries."""
from flask import Response, g, jsonify, request

from ..auth import auth_required
from ..errors import ApiError
from ..extensions import db
from ..idempotency import write_endpoint
from ..models import Community
from ..schemas.admin import PointCreate, PointPatch
from ..services import boundaries, point_import, points
from ..services.reference import load_reference
from . import bp, json_body, load_body

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, filename: str) -> Response:
    """An Excel download with a Chinese file name."""
    resp = Response(data, mimetype=XLSX)
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return resp


@bp.post("/points")
@auth_required("admin")
@write_endpoint
def create_point():
    """Add a point (its community from the boundary unless named)."""
    point = points.create(g.user, load_body(PointCreate()))
    return points.feature(point, load_reference()), 201


@bp.patch("/points/<int:point_id>")
@auth_required("admin")
@write_endpoint
def update_point(point_id):
    """Edit, move or retire a point."""
    point = points.update(g.user, points.get(point_id), load_body(PointPatch()))
    return points.feature(point, load_reference())


@bp.post("/points/import")
@auth_required("admin")
@write_endpoint
def import_points():
    """Import points from .xlsx, .csv or GeoJSON; any bad row → 422 and nothing stored."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "file_required", "请选择要导入的文件（字段名 file）")
    try:
        rows = point_import.read_rows(upload.filename, upload.read())
    except point_import.ImportFileError as err:
        raise ApiError(422, "bad_import_file", str(err), {"file": str(err)}) from None
    if not rows:
        raise ApiError(422, "bad_import_file", "文件中没有点位", {"file": "文件中没有点位"})
    clean, errors = point_import.check(rows)
    created = sum(1 for c in clean if c["existing"] is None)
    counts = {"created": created, "updated": len(clean) - created, "errors": errors,
              "rows": len(rows)}
    if request.args.get("dry_run") == "1":
        return counts
    if errors:
        body = {"error": {"code": "import_rows_invalid",
                          "message": f"有 {len(errors)} 处错误，未导入任何点位；请改正后重试",
                          "fields": {}}, "created": 0, "updated": 0, "errors": errors}
        return body, 422
    created, updated = point_import.apply(g.user, clean)
    return {"created": created, "updated": updated, "errors": [], "rows": len(rows)}


@bp.get("/points/template.xlsx")
@auth_required("admin")
def points_template():
    """The import template."""
    return _xlsx(point_import.template(), "%E7%82%B9%E4%BD%8D%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx")


@bp.get("/points/export.xlsx")
@auth_required("admin")
def points_export():
    """Every point, retired ones included, in the template's columns."""
    return _xlsx(point_import.export(points.all_points(True)), "%E7%82%B9%E4%BD%8D.xlsx")


@bp.put("/communities/<int:unit_id>/boundary")
@auth_required("admin")
@write_endpoint
def put_boundary(unit_id):
    """Set a community's boundary; ?dry_run=1 only lists the points that would change community."""
    unit = db.session.get(Community, unit_id)
    if unit is None or unit.kind != "community":
        raise ApiError(404, "unit_not_found", "社区不存在")
    geometry = boundaries.geometry_of(json_body())
    if request.args.get("dry_run") == "1":
        return {"unit_id": unit.id, "changes": boundaries.preview(unit, geometry), "saved": False}
    return {"unit_id": unit.id, "changes": boundaries.store(g.user, unit, geometry), "saved": True}
