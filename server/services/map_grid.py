"""Map clustering: a bounded GeoJSON answer however many findings match.

Pure SQL and arithmetic, no Flask: the caller hands over a select of the rows to show
(visibility, filters and the bounding box already applied) and the column expressions to
read. Clusters are computed in the database on a global grid of square cells
(GROUP BY the cell's column and row), so no Python object is made per finding.

The grid is aligned to (-180°, -90°), so clusters stay put while the map pans at one zoom.
A cell is CELL_PX screen pixels of a 256-px web-mercator tile (90°/2^zoom), so a screen-sized
box spans a few hundred cells at most. When a box (or, for a very large box, the extent of
the rows in it) would span more cells than the cap, the cell doubles until it does not:
the cap holds by construction, whatever the data, and one grouped query answers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

MAX_FEATURES = 1000  # hard cap on features in one answer
DETAIL_ZOOM = 16  # from this zoom, individual findings (when no more than the cap)
FEW = 200  # at most this many findings in the box: individual findings at any zoom
CELL_PX = 64  # a cluster cell spans this many screen pixels at its zoom
MIN_ZOOM, MAX_ZOOM = 0, 22
COORD_DIGITS = 7  # ~1 cm: rounding of cluster means and cell boxes
# A cell's key is col·ROW_SPAN + row: more rows than the finest grid has (180°/2.1e-5° < 2^24),
# and below 2^53 even as a double (PostgreSQL's FLOOR).
ROW_SPAN = 2 ** 25


@dataclass(frozen=True)
class Bbox:
    """A WGS-84 box: west, south, east, north (degrees), west < east, south < north."""

    w: float
    s: float
    e: float
    n: float

    @classmethod
    def parse(cls, text: str) -> "Bbox":
        """Parse "w,s,e,n"; raise ValueError with a Chinese message naming the problem."""
        parts = [p.strip() for p in str(text).split(",")]
        if len(parts) != 4:
            raise ValueError("须为 4 个以逗号分隔的数：西经度,南纬度,东经度,北纬度")
        try:
            w, s, e, n = (float(p) for p in parts)
        except ValueError:
            raise ValueError("须为 4 个以逗号分隔的数：西经度,南纬度,东经度,北纬度") from None
        if not all(math.isfinite(v) for v in (w, s, e, n)):
            raise ValueError("坐标须为有限数字")
        if not (-180 <= w <= 180 and -180 <= e <= 180):
            raise ValueError("经度须在 -180 到 180 之间")
        if not (-90 <= s <= 90 and -90 <= n <= 90):
            raise ValueError("纬度须在 -90 到 90 之间")
        if not w < e:
            raise ValueError("西边经度须小于东边经度（不支持跨越 180° 经线）")
        if not s < n:
            raise ValueError("南边纬度须小于北边纬度")
        return cls(w, s, e, n)

    def clause(self, lat, lon):
        """A SQL condition: the position lies in the box (edges included)."""
        return sa.and_(lat.is_not(None), lon.is_not(None), lat >= self.s, lat <= self.n,
                       lon >= self.w, lon <= self.e)


def cell_for_zoom(zoom: int) -> float:
    """The side of a grid cell in degrees at a zoom: CELL_PX of a 256-px tile (90°/2^zoom)."""
    return 360.0 / 2 ** zoom * CELL_PX / 256


def _col(lon: float, cell: float) -> int:
    """The grid column of a longitude."""
    return math.floor((lon + 180.0) / cell)


def _row(lat: float, cell: float) -> int:
    """The grid row of a latitude."""
    return math.floor((lat + 90.0) / cell)


def cells_spanned(box: Bbox, cell: float) -> int:
    """How many grid cells a box touches: an upper bound on the clusters it can hold."""
    return ((_col(box.e, cell) - _col(box.w, cell) + 1)
            * (_row(box.n, cell) - _row(box.s, cell) + 1))


def safe_cell(extent: Bbox | None, cell: float, cap: int = MAX_FEATURES) -> float:
    """The smallest cell·2^k whose grid over the extent has at most cap cells."""
    if extent is None:
        return cell
    while cells_spanned(extent, cell) > cap:
        cell *= 2
    return cell


def use_points(total: int, zoom: int, cap: int = MAX_FEATURES) -> bool:
    """Individual findings rather than clusters: few in the box, or close in and within the cap."""
    return total <= min(FEW, cap) or (zoom >= DETAIL_ZOOM and total <= cap)


class grid_floor(FunctionElement):
    """floor() of a non-negative number, portable: FLOOR on PostgreSQL, CAST on SQLite
    (whose FLOOR exists only when built with the math functions)."""

    type = sa.BigInteger()
    name = "grid_floor"
    inherit_cache = True


@compiles(grid_floor)
def _floor_default(element, compiler, **kw):
    """FLOOR(x): PostgreSQL and the rest."""
    return f"FLOOR({compiler.process(element.clauses, **kw)})"


@compiles(grid_floor, "sqlite")
def _floor_sqlite(element, compiler, **kw):
    """CAST(x AS INTEGER) truncates toward zero, which is floor for x >= 0."""
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


@dataclass(frozen=True)
class Columns:
    """The SQL expressions the grid reads: position, status, and an overdue condition."""

    lat: sa.ColumnElement
    lon: sa.ColumnElement
    status: sa.ColumnElement
    overdue: sa.ColumnElement  # a boolean condition


@dataclass
class Stats:
    """What a box holds: how many rows, and their extent (None when empty)."""

    total: int
    extent: Bbox | None


@dataclass
class Cluster:
    """One non-empty grid cell."""

    col: int
    row: int
    count: int
    lat: float
    lon: float
    cell: tuple[float, float, float, float]  # the grid cell's west, south, east, north
    overdue_count: int
    by_status: dict[str, int] = field(default_factory=dict)


def _overdue_int(cols: Columns):
    """1 when overdue, else 0."""
    return sa.case((cols.overdue, 1), else_=0)


def box_stats(session, base: sa.Select, cols: Columns) -> Stats:
    """Count the rows of base and find their extent, in one aggregate query."""
    q = base.with_only_columns(sa.func.count(), sa.func.min(cols.lon), sa.func.min(cols.lat),
                               sa.func.max(cols.lon), sa.func.max(cols.lat)).order_by(None)
    total, w, s, e, n = session.execute(q).one()
    extent = Bbox(float(w), float(s), float(e), float(n)) if total else None
    return Stats(int(total or 0), extent)


def _grid_query(base: sa.Select, cols: Columns, cell: float, statuses: tuple[str, ...],
                limit: int) -> sa.Select:
    """Aggregate base's rows per grid cell: count, mean position, overdue, statuses.

    Every aggregate costs on SQLite (it sorts the rows to group them), so the cell's box is
    computed from its column and row rather than from the members' min and max.
    """
    key = (grid_floor((cols.lon + 180.0) / cell) * ROW_SPAN
           + grid_floor((cols.lat + 90.0) / cell))  # one integer key sorts ~10 % faster
    inner = base.with_only_columns(
        key.label("k"), cols.lat.label("lat"), cols.lon.label("lon"),
        cols.status.label("status"), _overdue_int(cols).label("od")
    ).order_by(None).subquery("cells")
    per_status = [sa.func.sum(sa.case((inner.c.status == s, 1), else_=0)) for s in statuses]
    return (sa.select(inner.c.k, sa.func.count(), sa.func.avg(inner.c.lat),
                      sa.func.avg(inner.c.lon), sa.func.sum(inner.c.od), *per_status)
            .group_by(inner.c.k).order_by(inner.c.k).limit(limit))


def cell_box(col: int, row: int, cell: float) -> tuple[float, float, float, float]:
    """The [west, south, east, north] of a grid cell (clipped to the globe)."""
    return (round(max(col * cell - 180.0, -180.0), COORD_DIGITS),
            round(max(row * cell - 90.0, -90.0), COORD_DIGITS),
            round(min((col + 1) * cell - 180.0, 180.0), COORD_DIGITS),
            round(min((row + 1) * cell - 90.0, 90.0), COORD_DIGITS))


def _clusters(rows, statuses: tuple[str, ...], cell: float) -> list[Cluster]:
    """Turn the grid query's rows into clusters."""
    out = []
    for key, count, lat, lon, od, *counts in rows:
        gx, gy = divmod(int(key), ROW_SPAN)
        out.append(Cluster(
            col=gx, row=gy, count=int(count),
            lat=round(float(lat), COORD_DIGITS), lon=round(float(lon), COORD_DIGITS),
            cell=cell_box(gx, gy, cell), overdue_count=int(od or 0),
            by_status={st: int(c) for st, c in zip(statuses, counts) if c}))
    return out


def grid_clusters(session, base: sa.Select, cols: Columns, cell: float,
                  statuses: tuple[str, ...], cap: int = MAX_FEATURES
                  ) -> tuple[list[Cluster], float, bool]:
    """Clusters of base's rows on a grid; return (clusters, cell used, truncated).

    Callers pick a cell that cannot give more than cap clusters (safe_cell); should the
    database still answer more, the cell doubles until it does not.
    """
    while True:
        rows = session.execute(_grid_query(base, cols, cell, statuses, cap + 1)).all()
        if len(rows) <= cap or cell >= 360.0:
            break
        cell *= 2
    return _clusters(rows[:cap], statuses, cell), cell, len(rows) > cap


@dataclass
class MapAnswer:
    """What the map shows: clusters (None: show the findings one by one) and the figures."""

    total: int
    clusters: list[Cluster] | None
    cell: float | None
    truncated: bool = False


def plan(session, base: sa.Select, cols: Columns, box: Bbox, zoom: int,
         statuses: tuple[str, ...], cap: int = MAX_FEATURES) -> MapAnswer:
    """Cluster base's rows for a box at a zoom, or say they are few enough to show singly.

    A screen-sized box spans few cells at its zoom's cell size, so one grouped query gives
    both the clusters and the total. A box much larger than its zoom's screen is counted
    first, and its cell grown (by doubling) until the rows' extent spans at most cap cells.
    """
    cell = cell_for_zoom(zoom)
    if cells_spanned(box, cell) <= cap:
        clusters, cell, truncated = grid_clusters(session, base, cols, cell, statuses, cap)
        total = (box_stats(session, base, cols).total if truncated
                 else sum(c.count for c in clusters))
        if use_points(total, zoom, cap) and not truncated:
            return MapAnswer(total, None, None)
        return MapAnswer(total, clusters, cell, truncated)
    stats = box_stats(session, base, cols)
    if use_points(stats.total, zoom, cap):
        return MapAnswer(stats.total, None, None)
    clusters, cell, truncated = grid_clusters(session, base, cols,
                                              safe_cell(stats.extent, cell, cap), statuses, cap)
    return MapAnswer(stats.total, clusters, cell, truncated)


def cluster_feature(c: Cluster) -> dict:
    """A cluster as a GeoJSON Point feature at its members' mean position."""
    top = max(c.by_status.items(), key=lambda kv: kv[1])[0] if c.by_status else None
    return {"type": "Feature", "id": f"cluster:{c.col}:{c.row}",
            "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
            "properties": {"cluster": True, "count": c.count, "overdue_count": c.overdue_count,
                           "by_status": c.by_status, "cell": list(c.cell),
                           "colour": "overdue" if c.overdue_count else top}}
