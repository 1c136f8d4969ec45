"""The map's grid clustering: box parsing, cell sizes, the cap, and the SQL grid on both databases."""
import math
import random
from collections import defaultdict

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.services import map_grid as mg
from server.services.map_grid import Bbox
from tests.conftest import PG_ADMIN_URL

STATUSES = ("assigned", "replied", "closed")


# --- the box ---------------------------------------------------------------------------------

def test_bbox_parses_west_south_east_north():
    assert Bbox.parse("126.72,42.96,126.77,42.99") == Bbox(126.72, 42.96, 126.77, 42.99)
    assert Bbox.parse(" -180 , -90 , 180 , 90 ") == Bbox(-180, -90, 180, 90)


@pytest.mark.parametrize("text, words", [
    ("", "4 个"), ("1,2,3", "4 个"), ("1,2,3,4,5", "4 个"), ("a,2,3,4", "4 个"),
    ("1,,3,4", "4 个"), ("nan,2,3,4", "有限"), ("1,2,inf,4", "有限"),
    ("-181,2,3,4", "经度"), ("1,2,181,4", "经度"), ("1,-91,3,4", "纬度"), ("1,2,3,90.5", "纬度"),
    ("3,2,1,4", "西边"), ("1,2,1,4", "西边"), ("1,4,3,2", "南边"), ("1,2,3,2", "南边"),
])
def test_a_bad_bbox_is_refused_in_chinese(text, words):
    with pytest.raises(ValueError, match=words):
        Bbox.parse(text)


# --- cells -------------------------------------------------------------------------------------

def test_a_cell_is_a_quarter_tile_and_halves_with_each_zoom():
    assert mg.cell_for_zoom(0) == 90.0
    for z in range(mg.MAX_ZOOM):
        assert mg.cell_for_zoom(z + 1) == mg.cell_for_zoom(z) / 2


def test_a_cells_key_holds_its_column_and_row_exactly():
    finest = mg.cell_for_zoom(mg.MAX_ZOOM)
    assert math.floor(180 / finest) < mg.ROW_SPAN
    assert (math.floor(360 / finest) + 1) * mg.ROW_SPAN < 2 ** 53


def test_cells_spanned_counts_touched_grid_cells():
    assert mg.cells_spanned(Bbox(0.1, 0.1, 0.9, 0.9), 1.0) == 1
    assert mg.cells_spanned(Bbox(0.5, 0.5, 1.5, 1.5), 1.0) == 4
    assert mg.cells_spanned(Bbox(-180, -90, 180, 90), 90.0) == 5 * 3  # edges touch a next cell


def test_safe_cell_is_the_smallest_doubling_within_the_cap():
    box = Bbox(126.72, 42.96, 126.77, 42.99)
    for z in range(10, 23):
        start = mg.cell_for_zoom(z)
        cell = mg.safe_cell(box, start, 1000)
        assert mg.cells_spanned(box, cell) <= 1000
        assert cell == start or mg.cells_spanned(box, cell / 2) > 1000
        assert math.log2(cell / start).is_integer()
    assert mg.safe_cell(None, 0.5, 10) == 0.5


def test_a_cells_box_is_its_column_and_row_scaled():
    assert mg.cell_box(0, 0, 90.0) == (-180.0, -90.0, -90.0, 0.0)
    assert mg.cell_box(4, 2, 90.0) == (180.0, 90.0, 180.0, 90.0)  # the edge cell, clipped
    cell = mg.cell_for_zoom(16)
    lon, lat = 126.7451234, 42.9751234
    w, s, e, n = mg.cell_box(math.floor((lon + 180) / cell), math.floor((lat + 90) / cell), cell)
    assert w <= lon < e and s <= lat < n and e - w == pytest.approx(cell, abs=1e-6)


def test_findings_singly_when_few_or_close_in():
    assert mg.use_points(mg.FEW, 0)
    assert not mg.use_points(mg.FEW + 1, mg.DETAIL_ZOOM - 1)
    assert mg.use_points(mg.MAX_FEATURES, mg.DETAIL_ZOOM)
    assert not mg.use_points(mg.MAX_FEATURES + 1, 22)
    assert not mg.use_points(50, 22, cap=20)


def test_a_cluster_feature_is_a_point_at_the_mean():
    c = mg.Cluster(col=1, row=2, count=3, lat=42.97, lon=126.74, cell=(126.7, 42.9, 126.8, 43.0),
                   overdue_count=0, by_status={"assigned": 1, "replied": 2})
    f = mg.cluster_feature(c)
    assert f["geometry"] == {"type": "Point", "coordinates": [126.74, 42.97]}
    assert f["properties"] == {"cluster": True, "count": 3, "overdue_count": 0,
                               "by_status": {"assigned": 1, "replied": 2},
                               "cell": [126.7, 42.9, 126.8, 43.0], "colour": "replied"}
    c.overdue_count = 1
    assert mg.cluster_feature(c)["properties"]["colour"] == "overdue"


# --- the SQL grid, on SQLite and (with TEST_DATABASE_URL) PostgreSQL ---------------------------

META = sa.MetaData()
PROBE = sa.Table("map_grid_probe", META,
                 sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("lat", sa.Float), sa.Column("lon", sa.Float),
                 sa.Column("status", sa.String(16)), sa.Column("late", sa.Boolean))
COLS = mg.Columns(lat=PROBE.c.lat, lon=PROBE.c.lon, status=PROBE.c.status,
                  overdue=PROBE.c.late.is_(True))


@pytest.fixture
def session(request):
    """A session over a scratch table: SQLite in memory, or the run's PostgreSQL database."""
    url = request.getfixturevalue("database_url") if PG_ADMIN_URL else "sqlite://"
    engine = sa.create_engine(url)
    META.drop_all(engine)
    META.create_all(engine)
    with Session(engine) as s:
        yield s
    META.drop_all(engine)
    engine.dispose()


def _rows(n: int, seed: int = 3) -> list[dict]:
    """Random rows on all four sides of the equator and the prime meridian, plus edge cases."""
    rnd = random.Random(seed)
    rows = [{"lat": rnd.uniform(-60, 60), "lon": rnd.uniform(-170, 170),
             "status": rnd.choice(STATUSES), "late": rnd.random() < 0.3} for _ in range(n)]
    # on cell edges at zoom 4 (cell 5.625°), negative ones included, and the box's corners
    for lat, lon in ((0.0, 0.0), (-5.625, -11.25), (5.625, 11.25), (-90.0, -180.0), (90.0, 180.0)):
        rows.append({"lat": lat, "lon": lon, "status": "assigned", "late": False})
    return [{"id": i + 1, **r} for i, r in enumerate(rows)]


def _expected(rows, cell):
    """The grid computed in Python with floor()."""
    cells = defaultdict(list)
    for r in rows:
        cells[(math.floor((r["lon"] + 180) / cell), math.floor((r["lat"] + 90) / cell))].append(r)
    return cells


@pytest.mark.parametrize("zoom", [0, 2, 4, 7])
def test_the_sql_grid_matches_floor_in_python(session, zoom):
    rows = _rows(400)
    session.execute(sa.insert(PROBE), rows)
    base = sa.select(PROBE)
    cell = mg.cell_for_zoom(zoom)
    clusters, used, truncated = mg.grid_clusters(session, base, COLS, cell, STATUSES, cap=10000)
    assert used == cell and not truncated
    want = _expected(rows, cell)
    got = {(c.col, c.row): c for c in clusters}
    assert set(got) == set(want)
    for key, members in want.items():
        c = got[key]
        assert c.count == len(members)
        assert c.overdue_count == sum(m["late"] for m in members)
        assert c.by_status == {s: n for s in STATUSES
                               if (n := sum(m["status"] == s for m in members))}
        assert c.lat == pytest.approx(sum(m["lat"] for m in members) / len(members), abs=1e-6)
        assert c.lon == pytest.approx(sum(m["lon"] for m in members) / len(members), abs=1e-6)
        w, s, e, n = c.cell
        assert all(w - 1e-6 <= m["lon"] <= e + 1e-6 and s - 1e-6 <= m["lat"] <= n + 1e-6
                   for m in members)
        assert c.cell == mg.cell_box(*key, cell)


def test_too_many_cells_grow_the_cell_until_within_the_cap(session):
    rows = _rows(500)
    session.execute(sa.insert(PROBE), rows)
    clusters, cell, truncated = mg.grid_clusters(session, sa.select(PROBE), COLS,
                                                 mg.cell_for_zoom(10), STATUSES, cap=25)
    assert len(clusters) <= 25 and not truncated
    assert sum(c.count for c in clusters) == len(rows)
    assert cell > mg.cell_for_zoom(10) and math.log2(cell / mg.cell_for_zoom(10)).is_integer()
    assert len(_expected(rows, cell / 2)) > 25  # one step finer would have been too many


@pytest.mark.parametrize("zoom", list(range(0, 23, 2)))
def test_plan_stays_within_the_cap_and_counts_every_row(session, zoom):
    rows = _rows(300)
    session.execute(sa.insert(PROBE), rows)
    box = Bbox(-180, -90, 180, 90)
    ans = mg.plan(session, sa.select(PROBE).where(box.clause(PROBE.c.lat, PROBE.c.lon)), COLS,
                  box, zoom, STATUSES, cap=40)
    assert ans.total == len(rows)
    assert ans.clusters is not None and len(ans.clusters) <= 40 and not ans.truncated
    assert sum(c.count for c in ans.clusters) == len(rows)


def test_plan_lets_few_rows_through_singly(session):
    session.execute(sa.insert(PROBE), _rows(10))
    box = Bbox(-180, -90, 180, 90)
    ans = mg.plan(session, sa.select(PROBE), COLS, box, 3, STATUSES)
    assert ans.clusters is None and ans.total == 15 and ans.cell is None


def test_plan_counts_only_the_box(session):
    rows = _rows(300)
    session.execute(sa.insert(PROBE), rows)
    box = Bbox(-20, -10, 30, 40)
    inside = [r for r in rows if -20 <= r["lon"] <= 30 and -10 <= r["lat"] <= 40]
    for zoom in (1, 5, 12):
        ans = mg.plan(session, sa.select(PROBE).where(box.clause(PROBE.c.lat, PROBE.c.lon)), COLS,
                      box, zoom, STATUSES, cap=10)
        assert ans.total == len(inside)
        assert sum(c.count for c in ans.clusters) == len(inside)
        assert all(-20 <= c.lon <= 30 and -10 <= c.lat <= 40 for c in ans.clusters)


def test_an_empty_box_has_no_clusters(session):
    box = Bbox(1, 1, 2, 2)
    ans = mg.plan(session, sa.select(PROBE), COLS, box, 8, STATUSES)
    assert ans.total == 0 and ans.clusters is None
    stats = mg.box_stats(session, sa.select(PROBE), COLS)
    assert stats.total == 0 and stats.extent is None
