"""The supervision map: findings in a box as bounded GeoJSON (clusters when zoomed out)."""
import sqlalchemy as sa
from flask import g, jsonify
from marshmallow import ValidationError, fields, validate

from ..auth import auth_required
from ..extensions import db
from ..models import Finding, Point
from ..models.findings import OPEN_STATUSES, STATUSES
from ..schemas.queries import FindingFilterSchema
from ..services import map_grid, queries
from ..services.deadlines import overdue_clause, overdue_state
from ..services.lifecycle import STATUS_LABELS
from ..services.reference import load_reference
from ..timeutil import iso, local_today
from . import bp, load_query


class BboxField(fields.Field):
    """bbox=w,s,e,n in WGS-84 degrees."""

    default_error_messages = {"required": "缺少地图范围 bbox（西经度,南纬度,东经度,北纬度）",
                              "null": "不能为 null"}

    def _deserialize(self, value, attr, data, **kwargs):
        """Parse and check the box."""
        try:
            return map_grid.Bbox.parse(value)
        except ValueError as err:
            raise ValidationError(str(err)) from None


class MapQuerySchema(FindingFilterSchema):
    """The findings list's filters plus the map's box and zoom."""

    bbox = BboxField(required=True)
    zoom = fields.Integer(required=True, validate=validate.Range(
        map_grid.MIN_ZOOM, map_grid.MAX_ZOOM, error="缩放级别须为 0–22 的整数"),
        error_messages={"required": "缺少缩放级别 zoom（0–22 的整数）",
                        "invalid": "缩放级别须为 0–22 的整数"})


def _point_feature(row, ref, today) -> dict:
    """One finding as a marker, with what a side panel needs to fetch /findings/<id>."""
    late_reply, late_rectify = overdue_state(row.status, row.reply_due, row.rectify_due, today)
    overdue = late_reply or late_rectify
    item = ref.items.get(row.item_code)
    return {"type": "Feature", "id": row.id,
            "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
            "properties": {
                "cluster": False, "id": row.id, "code": row.code, "status": row.status,
                "status_label": STATUS_LABELS[row.status], "overdue": overdue,
                "overdue_reply": late_reply, "overdue_rectify": late_rectify,
                "community_id": row.community_id, "item_code": row.item_code,
                "item_text": item.text if item else row.item_code,
                "location_type": row.location_type, "point_id": row.point_id,
                "point_name": row.point_name, "found_at": iso(row.found_at),
                "colour": "overdue" if overdue else row.status}}


def _status_in(statuses: tuple[str, ...]):
    """The list's status filter, written so that no index on status is used.

    A map box usually holds most of the open findings, and walking ix_findings_status_found
    for most of the table is 30–40 % slower on SQLite than scanning it (status is never null,
    so coalesce changes nothing but the plan).
    """
    return sa.func.coalesce(Finding.status, "").in_(statuses)


def _points(base, cap: int) -> list:
    """The newest findings of the box, only the columns a marker needs."""
    q = (base.with_only_columns(Finding.id, Finding.code, Finding.status, Finding.community_id,
                                Finding.item_code, Finding.location_type, Finding.point_id,
                                Finding.lat, Finding.lon, Finding.found_at, Finding.reply_due,
                                Finding.rectify_due, Point.name.label("point_name"))
         .outerjoin(Point, Point.id == Finding.point_id)
         .order_by(Finding.found_at.desc(), Finding.id).limit(cap))
    return db.session.execute(q).all()


@bp.get("/map/findings")
@auth_required()
def map_findings():
    """Findings in a map box as GeoJSON: markers close in, grid clusters with counts further out."""
    args = load_query(MapQuerySchema())
    if not args.get("status"):
        args["status"] = ",".join(OPEN_STATUSES)
    today = local_today()
    box, zoom, cap = args["bbox"], args["zoom"], map_grid.MAX_FEATURES
    cols = map_grid.Columns(lat=Finding.lat, lon=Finding.lon, status=Finding.status,
                            overdue=overdue_clause(today))
    statuses = tuple(s for s in STATUSES if s in args["status"].split(","))
    base = (queries.filtered(g.user, {**args, "status": None}, today)
            .where(_status_in(statuses), box.clause(Finding.lat, Finding.lon)))
    ans = map_grid.plan(db.session, base, cols, box, zoom, statuses, cap)
    if ans.clusters is None:
        ref = load_reference()
        features = [_point_feature(r, ref, today) for r in _points(base, cap)]
        truncated = ans.total > len(features)
        overdue = sum(f["properties"]["overdue"] for f in features)
    else:
        features = [map_grid.cluster_feature(c) for c in ans.clusters]
        truncated = ans.truncated
        overdue = sum(c.overdue_count for c in ans.clusters)
    return jsonify({"type": "FeatureCollection", "features": features,
                    "meta": {"total": ans.total, "overdue": overdue,
                             "clustered": ans.clusters is not None, "cell_deg": ans.cell,
                             "zoom": zoom,
                             "truncated": truncated, "max_features": cap}})
