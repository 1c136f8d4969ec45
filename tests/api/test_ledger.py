"""The problem ledger as Excel and CSV, and export jobs with progress."""
import csv
import io
import time
from urllib.parse import unquote, urlparse

import openpyxl
import pytest
import sqlalchemy as sa

from server.extensions import db
from server.models import Export
from server.services import exports, ledger
from tests.helpers.flow import act, finding_in, ok, upload
from tests.helpers.records import community_id, demo_point, inspection, item, new_id, result

# DOMAIN.md, "The problem ledger (问题台账)": the columns, in this order.
DOMAIN_COLUMNS = [
    "问题编号", "发现时间", "督查人", "社区", "点位类型", "点位名称/位置(经纬度)", "测评类别",
    "测评条目", "问题描述", "整改前照片", "问题来源", "责任单位/责任人/电话", "交办时间/通知函编号",
    "答复期限", "整改时限", "整改措施/整改情况", "整改后照片", "复查人/复查时间/复查结论", "状态",
    "销号时间", "是否逾期/逾期工作日", "备注",
]
BEFORE, AFTER = DOMAIN_COLUMNS.index("整改前照片"), DOMAIN_COLUMNS.index("整改后照片")


@pytest.fixture(autouse=True)
def _forget_exports(app):
    """Export jobs are not among conftest's mutable tables: remove them after each test."""
    yield
    with app.app_context():
        db.session.execute(sa.delete(Export))
        db.session.commit()


def download(auth, user: str, url: str):
    """GET a file as a user; return (response, body) with the response closed."""
    r = auth.get(user, url)
    body = r.get_data()
    r.close()
    return r, body


def workbook(auth, user: str, query: str = ""):
    """The ledger workbook as a user sees it, opened with openpyxl."""
    r, body = download(auth, user, f"/api/v1/ledger.xlsx{query}")
    assert r.status_code == 200, body[:500]
    assert r.mimetype == exports.MIME["xlsx"]
    return openpyxl.load_workbook(io.BytesIO(body))


def table(ws) -> list[tuple]:
    """The sheet's rows as values."""
    return list(ws.iter_rows(values_only=True))


def csv_table(auth, user: str, query: str = ""):
    """The ledger CSV: (raw bytes, parsed rows)."""
    r, body = download(auth, user, f"/api/v1/ledger.csv{query}")
    assert r.status_code == 200, body[:500]
    assert r.mimetype == "text/csv"
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def listed_codes(auth, user: str, query: str = "") -> list[str]:
    """The codes the findings list answers for the same filters, in its order."""
    sep = "&" if query else "?"
    body = ok(auth.get(user, f"/api/v1/findings{query}{sep}per_page=200"))
    assert body["total"] == len(body["items"])
    return [f["code"] for f in body["items"]]


@pytest.fixture
def ledger_mix(app, auth, clock):
    """Findings in several states in two communities."""
    return {
        "ys_assigned": [finding_in(app, auth, "assigned") for _ in range(2)],
        "ys_replied": finding_in(app, auth, "replied"),
        "ys_closed": finding_in(app, auth, "closed"),
        "ys_void": finding_in(app, auth, "void"),
        "hs_assigned": finding_in(app, auth, "assigned", community="hongsheng"),
        "hs_rectified": finding_in(app, auth, "rectified", community="hongsheng"),
    }


def test_xlsx_holds_exactly_the_filtered_rows_in_the_list_order(app, auth, ledger_mix):
    ys = community_id(app, "yongsheng")
    query = f"?community_id={ys}&status=assigned,replied"
    ws = workbook(auth, "supervisor", query)["问题台账"]
    rows = table(ws)
    assert list(rows[0]) == DOMAIN_COLUMNS
    codes = [r[0] for r in rows[1:]]
    assert codes == listed_codes(auth, "supervisor", query)
    assert len(codes) == 3
    assert {r[3] for r in rows[1:]} == {"永胜社区"}
    assert {r[DOMAIN_COLUMNS.index("状态")] for r in rows[1:]} == {"待答复", "整改中"}


def test_xlsx_layout_frozen_header_widths_and_embedded_thumbnails(app, auth, ledger_mix):
    wb = workbook(auth, "supervisor")
    assert wb.sheetnames[0] == "问题台账" and wb.active.title == "问题台账"
    ws = wb["问题台账"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:V8"  # the header and seven findings
    assert all(c.font.bold for c in ws[1])
    assert ws.cell(2, DOMAIN_COLUMNS.index("问题描述") + 1).alignment.wrap_text
    assert ws.column_dimensions["H"].width >= 20 and ws.column_dimensions["J"].width >= 16
    rows = table(ws)[1:]
    assert len(rows) == 7
    anchors = {(img.anchor._from.row, img.anchor._from.col) for img in ws._images}
    # Every finding has a before photo (push_finding uploads one); rectified and closed
    # findings also have an after photo.
    assert {(r, c) for r, c in anchors if c == BEFORE} == {(i, BEFORE) for i in range(1, 8)}
    with_after = {i + 1 for i, r in enumerate(rows) if r[DOMAIN_COLUMNS.index("状态")]
                  in ("已销号", "待复查")}
    assert {r for r, c in anchors if c == AFTER} == with_after and len(with_after) == 2
    assert len(ws._images) == 7 + 2
    for img in ws._images:
        assert img.format == "jpeg" and max(img.width, img.height) <= 120
        assert img.anchor.to.row == img.anchor._from.row  # inside its own cell
    assert all(ws.row_dimensions[i].height >= 70 for i in range(2, 9))
    cover = dict((a, b) for a, b in wb["导出说明"].iter_rows(values_only=True))
    assert cover["问题数"] == "7" and cover["导出人"].startswith("王磊")


def test_xlsx_values_of_a_closed_finding(app, auth, ledger_mix):
    ws = workbook(auth, "supervisor", "?status=closed")["问题台账"]
    (row,) = table(ws)[1:]
    f = ok(auth.get("supervisor", f"/api/v1/findings/{ledger_mix['ys_closed']}"))
    letters = ok(auth.get("supervisor", f"/api/v1/letters?finding_id={f['id']}&kind=notice"))
    v = dict(zip(DOMAIN_COLUMNS, row))
    assert v["问题编号"] == f["code"]
    assert v["发现时间"].strftime("%Y-%m-%d %H:%M") == "2026-11-27 09:30"  # Asia/Shanghai
    assert v["督查人"] == "张伟" and v["社区"] == "永胜社区" and v["点位类型"] == "背街小巷"
    assert v["点位名称/位置(经纬度)"].startswith(f["point_name"])
    assert v["测评条目"] == f["item_text"] and v["测评类别"] == f["category"]
    assert v["问题来源"] == "日常督查"
    assert v["责任单位/责任人/电话"] == "永胜社区 / 王建华 / 13800000000"
    assert letters["items"][0]["number"] in v["交办时间/通知函编号"]
    assert v["答复期限"].date().isoformat() == f["reply_due"]
    assert v["整改时限"].date().isoformat() == f["rectify_due"]
    assert "组织保洁人员清理并修补路面" in v["整改措施/整改情况"] and "已清理" in v["整改措施/整改情况"]
    assert v["复查人/复查时间/复查结论"].startswith("王磊 / 2026-11-27")
    assert "通过：现场复核已整改" in v["复查人/复查时间/复查结论"]
    assert v["状态"] == "已销号" and v["销号时间"] is not None
    assert v["是否逾期/逾期工作日"] == "否"


def test_csv_has_a_bom_the_same_rows_and_photo_urls(app, auth, ledger_mix):
    ys = community_id(app, "yongsheng")
    query = f"?community_id={ys}&status=assigned,replied,closed"
    raw, rows = csv_table(auth, "supervisor", query)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert rows[0] == DOMAIN_COLUMNS
    assert [r[0] for r in rows[1:]] == listed_codes(auth, "supervisor", query)
    closed = ok(auth.get("supervisor", f"/api/v1/findings/{ledger_mix['ys_closed']}"))
    (row,) = [r for r in rows if r[0] == closed["code"]]
    for col, stage in ((BEFORE, "before"), (AFTER, "after")):
        urls = row[col].split("\n")
        assert [urlparse(u).path.rsplit("/", 1)[1] for u in urls] == \
            [p["id"] for p in closed["photos"] if p["stage"] == stage]
        r = auth.get("supervisor", urlparse(urls[0]).path)
        assert r.status_code == 200 and r.mimetype == "image/jpeg"
        r.close()
    assert row[DOMAIN_COLUMNS.index("发现时间")] == "2026-11-27 09:30"


def test_download_names_are_chinese(app, auth, clock):
    for fmt in ("csv", "xlsx"):
        r, _ = download(auth, "supervisor", f"/api/v1/ledger.{fmt}")
        disposition = r.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        encoded = disposition.split("filename*=UTF-8''", 1)[1]
        assert unquote(encoded) == f"问题台账-20261127.{fmt}"


def test_a_community_exports_only_its_own(app, auth, ledger_mix):
    ws = workbook(auth, "yongsheng")["问题台账"]
    rows = table(ws)[1:]
    assert rows and {r[3] for r in rows} == {"永胜社区"}
    assert [r[0] for r in rows] == listed_codes(auth, "yongsheng")
    _, csv_rows = csv_table(auth, "yongsheng")
    assert [r[0] for r in csv_rows[1:]] == [r[0] for r in rows]
    theirs = f"?community_id={community_id(app, 'hongsheng')}"
    assert table(workbook(auth, "yongsheng", theirs)["问题台账"]) == [tuple(DOMAIN_COLUMNS)]
    assert csv_table(auth, "yongsheng", theirs)[1] == [DOMAIN_COLUMNS]
    assert len(table(workbook(auth, "supervisor", theirs)["问题台账"])) == 3


@pytest.mark.parametrize("user", ["inspector", "leader", "admin", "hongsheng"])
def test_every_signed_in_role_may_export(app, auth, clock, user):
    finding_in(app, auth, "assigned", community="hongsheng")
    assert len(csv_table(auth, user)[1]) == 2
    assert len(table(workbook(auth, user)["问题台账"])) == 2


@pytest.mark.parametrize("query, field", [("status=bogus", "status"), ("community_id=abc", "community_id"),
                                          ("from=yesterday", "from"), ("overdue=perhaps", "overdue")])
def test_bad_filters_are_400(auth, query, field):
    for fmt in ("csv", "xlsx"):
        r = auth.get("supervisor", f"/api/v1/ledger.{fmt}?{query}")
        assert r.status_code == 400 and r.is_json
        assert r.json["error"]["code"] == "bad_query" and field in r.json["error"]["fields"]
    r = auth.post("supervisor", "/api/v1/exports", json={"format": "xlsx", "filters": dict([query.split("=")])})
    assert r.status_code == 400 and f"filters.{field}" in r.json["error"]["fields"]


def test_bad_export_requests_are_400(auth):
    r = auth.post("supervisor", "/api/v1/exports", json={"format": "pdf"})
    assert r.status_code == 400 and "format" in r.json["error"]["fields"]
    r = auth.post("supervisor", "/api/v1/exports", json={"format": "csv", "filters": [1]})
    assert r.status_code == 400 and "filters" in r.json["error"]["fields"]


def test_overdue_says_how_many_working_days(app, auth, clock):
    assigned = finding_in(app, auth, "assigned")   # reply due 12-01, rectify due 12-04
    replied = finding_in(app, auth, "replied")
    closed = finding_in(app, auth, "closed")
    clock.set("2026-12-09T10:00:00+08:00")          # a Wednesday
    rows = {r[0]: dict(zip(DOMAIN_COLUMNS, r)) for r in table(workbook(auth, "supervisor")["问题台账"])[1:]}
    code = {fid: ok(auth.get("supervisor", f"/api/v1/findings/{fid}"))["code"]
            for fid in (assigned, replied, closed)}
    late = rows[code[replied]]
    assert late["是否逾期/逾期工作日"] == "逾期 3 个工作日（未按期整改）"  # 12-07, 12-08, 12-09
    assert late["状态"] == "整改中（逾期）"
    both = rows[code[assigned]]["是否逾期/逾期工作日"].split("\n")
    assert both == ["逾期 6 个工作日（未按期答复）", "逾期 3 个工作日（未按期整改）"]
    assert rows[code[closed]]["是否逾期/逾期工作日"] == "否" and rows[code[closed]]["状态"] == "已销号"
    _, csv_rows = csv_table(auth, "supervisor", "?overdue=true")
    assert sorted(r[0] for r in csv_rows[1:]) == sorted([code[assigned], code[replied]])
    assert all("逾期" in r[DOMAIN_COLUMNS.index("是否逾期/逾期工作日")] for r in csv_rows[1:])


def test_returns_and_rework_are_counted_in_remarks(app, auth, clock):
    fid = finding_in(app, auth, "returned")
    ok(act(auth, "supervisor", fid, "deny_return", note="经核实属永胜社区"))
    ok(act(auth, "yongsheng", fid, "reply", measures="清理", responsible="王建华", phone="1",
           planned_date="2026-12-10"))
    ok(act(auth, "yongsheng", fid, "rectify", note="已清理", photo_ids=[upload(auth, "yongsheng")]))
    ok(act(auth, "supervisor", fid, "reject", note="仍有积水"))
    (row,) = table(workbook(auth, "supervisor")["问题台账"])[1:]
    v = dict(zip(DOMAIN_COLUMNS, row))
    assert "退回 1 次" in v["备注"] and "返工 1 次" in v["备注"]
    assert v["复查人/复查时间/复查结论"] == "王磊 / 2026-11-27 10:00 / 不通过（返工）：仍有积水"
    assert v["状态"] == "整改中"


def test_text_that_looks_like_a_formula_stays_text(app, auth, clock):
    point = demo_point(app, "street", "yongsheng")
    rec = inspection(point, [result(item(app), "fail", [upload(auth, "inspector")],
                                    note='=HYPERLINK("http://evil","点我")')])
    assert ok(auth.post("inspector", "/api/v1/sync/push",
                        json={"device_id": "t", "records": [rec]}))["results"][0]["status"] == "created"
    ws = workbook(auth, "supervisor")["问题台账"]
    cell = ws.cell(2, DOMAIN_COLUMNS.index("问题描述") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    _, rows = csv_table(auth, "supervisor")
    assert rows[1][DOMAIN_COLUMNS.index("问题描述")].startswith("'=HYPERLINK")


# ---------------------------------------------------------------------------- jobs


def wait_for(auth, user: str, job_id: str, timeout: float = 30.0) -> dict:
    """Poll a job until it is done or failed."""
    deadline = time.monotonic() + timeout
    while True:
        body = ok(auth.get(user, f"/api/v1/exports/{job_id}"))
        if body["status"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_an_export_job_runs_to_done_and_downloads(app, auth, ledger_mix):
    ys = community_id(app, "yongsheng")
    filters = {"community_id": ys, "status": "assigned,closed"}
    r = auth.post("supervisor", "/api/v1/exports", json={"format": "xlsx", "filters": filters})
    assert r.status_code == 202, r.json
    assert r.json["status"] == "queued" and r.json["progress"] == 0 and r.json["total"] == 3
    assert r.json["download_url"] is None and r.json["error"] is None
    job = wait_for(auth, "supervisor", r.json["id"])
    assert job["status"] == "done", job
    assert job["progress"] == job["total"] == 3
    assert job["download_url"] == f"/api/v1/exports/{job['id']}/file"
    resp, body = download(auth, "supervisor", job["download_url"])
    assert resp.status_code == 200 and resp.mimetype == exports.MIME["xlsx"]
    assert "filename*=UTF-8''" + "%E9%97%AE%E9%A2%98%E5%8F%B0%E8%B4%A6-20261127.xlsx" \
        in resp.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(body))["问题台账"]
    query = f"?community_id={ys}&status=assigned,closed"
    assert [r[0] for r in table(ws)[1:]] == listed_codes(auth, "supervisor", query)
    assert len(ws._images) == 3 + 1
    with app.app_context():
        stored = db.session.get(Export, job["id"])
        assert stored.filename and stored.size == len(body)


def test_a_csv_job_and_idempotency(app, auth, ledger_mix):
    key = new_id()
    first = auth.post("yongsheng", "/api/v1/exports", json={"format": "csv"},
                      headers={"Idempotency-Key": key})
    again = auth.post("yongsheng", "/api/v1/exports", json={"format": "csv"},
                      headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 202 and again.json["id"] == first.json["id"]
    job = wait_for(auth, "yongsheng", first.json["id"])
    assert job["status"] == "done" and job["total"] == 5
    resp, body = download(auth, "yongsheng", job["download_url"])
    assert body.startswith(b"\xef\xbb\xbf") and resp.mimetype == "text/csv"
    assert [r[0] for r in list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:]] == \
        listed_codes(auth, "yongsheng")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Export)) == 1


def test_another_user_gets_404_for_a_job(app, auth, ledger_mix):
    r = auth.post("supervisor", "/api/v1/exports", json={"format": "csv"})
    job = wait_for(auth, "supervisor", r.json["id"])
    assert job["status"] == "done"
    for other in ("leader", "yongsheng", "inspector"):
        assert auth.get(other, f"/api/v1/exports/{job['id']}").status_code == 404
        assert auth.get(other, f"/api/v1/exports/{job['id']}/file").status_code == 404
    assert auth.get("supervisor", "/api/v1/exports/not-a-uuid").status_code == 404
    assert auth.get("supervisor", f"/api/v1/exports/{new_id()}/file").status_code == 404


def test_progress_is_written_every_chunk(app, auth, clock, monkeypatch):
    for _ in range(5):
        finding_in(app, auth, "assigned")
    monkeypatch.setattr(ledger, "CHUNK", 2)
    seen = []
    real_set = exports._set

    def spy(job_id, **values):
        """Record each progress update."""
        seen.append(values.get("progress"))
        real_set(job_id, **values)

    monkeypatch.setattr(exports, "_set", spy)
    r = auth.post("supervisor", "/api/v1/exports", json={"format": "xlsx"})
    assert r.json["total"] == 5
    job = wait_for(auth, "supervisor", r.json["id"])
    assert job["status"] == "done" and job["progress"] == 5
    assert seen == [0, 2, 4, 5, 5]  # running, three chunks, done


def test_a_job_that_stopped_moving_reads_as_failed(app, auth, clock):
    r = auth.post("supervisor", "/api/v1/exports", json={"format": "csv"})
    wait_for(auth, "supervisor", r.json["id"])
    with app.app_context():
        db.session.execute(sa.update(Export).where(Export.id == r.json["id"]).values(status="running"))
        db.session.commit()
    clock.set("2026-11-27T10:30:00+08:00")
    body = ok(auth.get("supervisor", f"/api/v1/exports/{r.json['id']}"))
    assert body["status"] == "failed" and "重新导出" in body["error"]
    assert auth.get("supervisor", f"/api/v1/exports/{r.json['id']}/file").status_code == 409


def test_a_failing_job_reports_failed(app, auth, clock, monkeypatch):
    def boom(*args, **kwargs):
        """Fail as a full disk would."""
        raise OSError("disk full")

    monkeypatch.setattr(exports, "write_csv", boom)
    r = auth.post("supervisor", "/api/v1/exports", json={"format": "csv"})
    job = wait_for(auth, "supervisor", r.json["id"])
    assert job["status"] == "failed" and job["error"] and job["download_url"] is None


def test_too_many_pending_jobs_are_429(app, auth, clock, monkeypatch):
    monkeypatch.setattr(exports, "MAX_PENDING_PER_USER", 0)
    r = auth.post("supervisor", "/api/v1/exports", json={"format": "csv"})
    assert r.status_code == 429 and r.json["error"]["code"] == "too_many_requests"


def _statements(app, auth, url: str) -> int:
    """How many SQL statements one GET makes."""
    seen = []

    def count(conn, cursor, statement, *args):
        """Count one statement."""
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        r, _ = download(auth, "supervisor", url)
        assert r.status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_number_of_queries_does_not_grow_with_the_rows(app, auth, clock):
    finding_in(app, auth, "closed")
    auth.token("supervisor")
    few = {fmt: _statements(app, auth, f"/api/v1/ledger.{fmt}") for fmt in ("csv", "xlsx")}
    for state in ("closed", "rectified", "assigned", "replied", "void"):
        finding_in(app, auth, state)
    many = {fmt: _statements(app, auth, f"/api/v1/ledger.{fmt}") for fmt in ("csv", "xlsx")}
    assert many == few, (few, many)
    assert few["csv"] < 20, few
