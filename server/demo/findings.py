"""Demo findings: two weeks of inspections in every state, with drawn photos, so every page has life."""
import io
import random
import uuid
from datetime import datetime, timedelta

from flask import current_app
from PIL import Image, ImageDraw, ImageFont

from ..extensions import db
from ..models import Finding, Point, User
from ..services import ingest
from ..services.actions import apply_action
from ..services.deadlines import sweep
from ..services.photo_store import Limits, store
from ..services.photos import find_cjk_font
from ..services.reference import load_reference
from ..timeutil import LOCAL_TZ, utcnow

FAR_AWAY = (42.90, 126.60)


def _scene(text: str, rnd: random.Random, after: bool) -> bytes:
    """A drawn stand-in for a street photo, labelled as demo data."""
    img = Image.new("RGB", (1200, 900), (150, 160, 150) if after else (120, 110, 95))
    draw = ImageDraw.Draw(img)
    for _ in range(25):
        x, y = rnd.randrange(1200), rnd.randrange(900)
        shade = rnd.randrange(60, 200)
        draw.rectangle((x, y, x + rnd.randrange(40, 240), y + rnd.randrange(20, 120)),
                       fill=(shade, shade - 10, shade - 20))
    font = ImageFont.truetype(find_cjk_font(current_app.config["CJK_FONT"]), 54, index=2)
    draw.text((600, 380), "演示照片", font=font, fill=(255, 255, 255), anchor="mm")
    draw.text((600, 470), ("整改后：" if after else "") + text[:16], font=font, fill=(255, 235, 160), anchor="mm")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


class _Demo:
    """Creates findings as the people in the loop would, at times in the past."""

    def __init__(self, seed: int = 2026):
        """Load accounts, points and limits."""
        self.rnd = random.Random(seed)
        users = {u.username: u for u in db.session.scalars(db.select(User))}
        self.inspector, self.supervisor = users["inspector"], users["supervisor"]
        self.community = {u.community_id: u for u in users.values() if u.role == "community"}
        self.points = list(db.session.scalars(db.select(Point).where(
            Point.location_type.in_(("street", "compound", "toilet")))))
        cfg = current_app.config
        self.limits = Limits(cfg["PHOTO_MAX_BYTES"], cfg["PHOTO_MAX_PIXELS"], cfg["CJK_FONT"])
        self.storage = current_app.extensions["storage"]

    def photo(self, user, text, at, after=False, where=None) -> str:
        """Store a drawn photo as if uploaded at `at`; return its id."""
        pid = str(uuid.uuid4())
        headers = {"X-Taken-At": at.isoformat()}
        if where:
            headers.update({"X-Lat": str(where[0]), "X-Lon": str(where[1]), "X-Accuracy": "8"})
        store(pid, _scene(text, self.rnd, after), "image/jpeg", headers, user, self.storage, self.limits, at)
        return pid

    def inspect(self, at, far=False) -> list[Finding]:
        """Record one inspection with one or two failed items; return its findings."""
        ref = load_reference()
        point = self.rnd.choice(self.points)
        items = [i for i in ref.items.values() if i.location_type == point.location_type and i.active]
        chosen = self.rnd.sample(items, 3)
        lat, lon = (FAR_AWAY if far else (point.lat + self.rnd.uniform(-1e-4, 1e-4),
                                          point.lon + self.rnd.uniform(-1e-4, 1e-4)))
        results = []
        for k, item in enumerate(chosen):
            fail = k < self.rnd.choice((1, 1, 2))
            photos = [self.photo(self.inspector, item.text, at, where=(lat, lon))] if fail else []
            results.append({"id": str(uuid.uuid4()), "item_code": item.code,
                            "result": "fail" if fail else "pass",
                            "note": "现场发现：" + item.text[:12] if fail else "", "photo_ids": photos})
        record = {"kind": "inspection", "id": str(uuid.uuid4()),
                  "point_id": None if far else point.id, "location_type": point.location_type,
                  "started_at": (at - timedelta(minutes=5)).isoformat(), "lat": lat, "lon": lon,
                  "accuracy_m": 8.0, "covert": self.rnd.random() < 0.1, "note": "", "results": results}
        out = ingest.push(self.inspector, "demo-phone", [record], at)
        assert out["results"][0]["status"] == "created", out
        ids = [r["id"] for r in results if r["result"] == "fail"]
        return list(db.session.scalars(db.select(Finding).where(Finding.id.in_(ids))))

    def act(self, f: Finding, user, at, action, **fields) -> None:
        """Apply one transition at a past time."""
        apply_action(f, user, {"action": action, **fields}, at, load_reference())
        db.session.flush()

    def life(self, f: Finding, at: datetime) -> None:
        """Walk a finding some way along the loop, as its community and the task force would."""
        if f.status != "assigned":
            return
        staff = self.community[f.community_id]
        fate = self.rnd.random()
        if fate < 0.15:
            return  # nobody answered: it will be overdue
        if fate < 0.2:
            self.act(f, staff, at + timedelta(hours=3), "return", reason="该点位不在本社区辖区")
            return
        t = at + timedelta(hours=self.rnd.randrange(2, 40))
        self.act(f, staff, t, "reply", measures="安排网格员和保洁人员限期清理整治", responsible="网格长",
                 phone="13800000000", planned_date=(t.astimezone(LOCAL_TZ).date() + timedelta(days=3)).isoformat())
        if fate < 0.4:
            return
        t += timedelta(hours=self.rnd.randrange(6, 60))
        after = self.photo(staff, "已整改", t, after=True)
        self.act(f, staff, t, "rectify", note="已按要求整改到位", photo_ids=[after])
        if fate < 0.6:
            return
        t += timedelta(hours=self.rnd.randrange(2, 24))
        if fate < 0.7:
            self.act(f, self.supervisor, t, "reject", note="复查发现仍有问题，请返工")
            return
        self.act(f, self.supervisor, t, "verify", note="复查已整改到位，予以销号")


def load_demo_findings(days: int = 14, per_day: int = 4) -> int:
    """Create about days × per_day inspections over the past days; return how many findings."""
    demo = _Demo()
    now = utcnow()
    count = 0
    for back in range(days, 0, -1):
        for k in range(per_day):
            at = (now - timedelta(days=back)).astimezone(LOCAL_TZ).replace(
                hour=8 + 2 * k, minute=demo.rnd.randrange(60), second=0, microsecond=0)
            findings = demo.inspect(at, far=(k == 0 and back % 5 == 0))
            for f in findings:
                demo.life(f, at)
            count += len(findings)
        sweep(now - timedelta(days=back - 1))
        db.session.commit()
    sweep(now)
    db.session.commit()
    return count
