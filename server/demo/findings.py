"""Demo findings: two weeks of inspections in every state, with drawn photos, so every page has life.

Everything happens on one timeline, in time order, up to the moment of loading: nothing is
dated after now whatever the time of day, and each sweep sees the findings as they stood then.
A step that would fall after now simply has not happened yet (the reply is still awaited).
"""
import heapq
import io
import itertools
import json
import random
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path

from flask import current_app
from PIL import Image, ImageDraw, ImageFont

from ..extensions import db
from ..models import Finding, Letter, Point, User
from ..services import ingest
from ..services.actions import apply_action
from ..services.deadlines import sweep
from ..services.photo_store import Limits, store
from ..services.prompts import add_instruction, issue_draft, settled_reasons
from ..services.photos import find_cjk_font
from ..services.reference import load_reference
from ..timeutil import LOCAL_TZ, utcnow

FAR_AWAY = (42.90, 126.60)
FINDING_TYPES = ("street", "compound", "toilet")  # where the demo inspectors find problems
SWEEP_AT = time(7, 0)  # the server's morning sweep, before the inspectors set out
REVIEW_AT = time(9, 30)  # the task force reviews the sweep's prompt drafts
TEXTS = json.loads((Path(__file__).resolve().parent / "descriptions.json").read_text("utf-8"))


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


def describe(item, rnd: random.Random) -> str:
    """What an inspector writes about a failed item: a full sentence about the scene."""
    spot = rnd.choice(TEXTS["spots"].get(item.location_type, ["现场"]))
    template = TEXTS["items"].get(item.code, TEXTS["fallback"])
    return template.format(where=spot, item=item.text)


def local_at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Beijing time on a local day."""
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


class _Timeline:
    """Steps to run at given times, in time order; a step after `now` is never run."""

    def __init__(self, now: datetime):
        """Start empty at the moment of loading."""
        self.now, self.queue, self.order = now, [], itertools.count()

    def at(self, when: datetime, step, *args) -> None:
        """Schedule step(when, *args), unless that would be after now."""
        if when <= self.now:
            heapq.heappush(self.queue, (when, next(self.order), step, args))

    def run(self) -> None:
        """Run every step in time order (steps may schedule later ones)."""
        while self.queue:
            when, _, step, args = heapq.heappop(self.queue)
            step(when, *args)


class _Demo:
    """Creates findings as the people in the loop would, at times in the past."""

    def __init__(self, timeline: _Timeline, seed: int = 2026):
        """Load accounts, points and limits."""
        self.timeline, self.rnd = timeline, random.Random(seed)
        users = {u.username: u for u in db.session.scalars(db.select(User))}
        self.inspector, self.supervisor = users["inspector"], users["supervisor"]
        self.leader = users["leader"]
        self.community = {u.community_id: u for u in users.values() if u.role == "community"}
        self.points = list(db.session.scalars(db.select(Point).where(
            Point.location_type.in_(FINDING_TYPES), Point.active.is_(True)).order_by(Point.id)))
        cfg = current_app.config
        self.limits = Limits(cfg["PHOTO_MAX_BYTES"], cfg["PHOTO_MAX_PIXELS"], cfg["CJK_FONT"])
        self.storage = current_app.extensions["storage"]

    def hours(self, low: int, high: int) -> timedelta:
        """A random delay of whole hours in [low, high)."""
        return timedelta(hours=self.rnd.randrange(low, high))

    def photo(self, user, text, at, after=False, where=None) -> str:
        """Store a drawn photo as if uploaded at `at`; return its id."""
        pid = str(uuid.uuid4())
        headers = {"X-Taken-At": at.isoformat()}
        if where:
            headers.update({"X-Lat": str(where[0]), "X-Lon": str(where[1]), "X-Accuracy": "8"})
        store(pid, _scene(text, self.rnd, after), "image/jpeg", headers, user, self.storage, self.limits, at)
        return pid

    def inspect(self, at: datetime, far: bool = False) -> None:
        """Record one inspection with one or two failed items, then let each finding live on."""
        ref = load_reference()
        point = self.rnd.choice(self.points)
        items = [i for i in ref.items.values() if i.location_type == point.location_type and i.active]
        chosen = self.rnd.sample(items, 3)
        lat, lon = (FAR_AWAY if far else (point.lat + self.rnd.uniform(-1e-4, 1e-4),
                                          point.lon + self.rnd.uniform(-1e-4, 1e-4)))
        taken = at - timedelta(minutes=3)
        results = []
        for k, item in enumerate(chosen):
            fail = k < self.rnd.choice((1, 1, 2))
            photos = [self.photo(self.inspector, item.text, taken, where=(lat, lon))] if fail else []
            results.append({"id": str(uuid.uuid4()), "item_code": item.code,
                            "result": "fail" if fail else "pass",
                            "note": describe(item, self.rnd) if fail else "", "photo_ids": photos})
        record = {"kind": "inspection", "id": str(uuid.uuid4()),
                  "point_id": None if far else point.id, "location_type": point.location_type,
                  "started_at": (at - timedelta(minutes=5)).isoformat(), "lat": lat, "lon": lon,
                  "accuracy_m": 8.0, "covert": self.rnd.random() < 0.1, "note": "", "results": results}
        out = ingest.push(self.inspector, "demo-phone", [record], at)
        assert out["results"][0]["status"] == "created", out
        ids = [r["id"] for r in results if r["result"] == "fail"]
        for f in db.session.scalars(db.select(Finding).where(Finding.id.in_(ids)).order_by(Finding.code)):
            self.plan_life(f, at)

    def act(self, f: Finding, user, at, action, **fields) -> None:
        """Apply one transition at a past time."""
        apply_action(f, user, {"action": action, **fields}, at, load_reference())
        db.session.flush()

    def plan_life(self, f: Finding, at: datetime) -> None:
        """Decide how far a new finding gets along the loop, and schedule its first step."""
        if f.status != "assigned" or f.community_id not in self.community:
            return
        fate = self.rnd.random()
        if fate < 0.15:
            return  # nobody answers: it will be overdue
        if fate < 0.2:
            self.timeline.at(at + timedelta(hours=3), self.give_back, f)
        else:
            self.timeline.at(at + self.hours(2, 40), self.reply, f, fate)

    def give_back(self, at: datetime, f: Finding) -> None:
        """The community says the place is not theirs (回退)."""
        self.act(f, self.community[f.community_id], at, "return", reason="该点位不在本社区辖区，请改派")

    def reply(self, at: datetime, f: Finding, fate: float) -> None:
        """The community answers the notice (答复), then perhaps fixes the problem."""
        planned = at.astimezone(LOCAL_TZ).date() + timedelta(days=3)
        self.act(f, self.community[f.community_id], at, "reply",
                 measures="安排网格员和保洁人员限期清理整治", responsible="网格长",
                 phone="13800000000", planned_date=planned.isoformat())
        if fate >= 0.4:
            self.timeline.at(at + self.hours(6, 60), self.rectify, f, fate)

    def rectify(self, at: datetime, f: Finding, fate: float) -> None:
        """The community reports it fixed, with an after-photo, then the task force reviews it."""
        staff = self.community[f.community_id]
        after = self.photo(staff, "已整改", at, after=True)
        self.act(f, staff, at, "rectify", note="已按要求整改到位", photo_ids=[after])
        if fate >= 0.6:
            self.timeline.at(at + self.hours(2, 24), self.review, f, fate)

    def review(self, at: datetime, f: Finding, fate: float) -> None:
        """The task force verifies (销号) or sends it back for rework (返工)."""
        if fate < 0.7:
            self.act(f, self.supervisor, at, "reject", note="复查发现仍有问题，请返工")
        else:
            self.act(f, self.supervisor, at, "verify", note="复查已整改到位，予以销号")


def _morning_sweep(at: datetime) -> None:
    """The daily deadline sweep, committed like the server's own."""
    sweep(at)
    db.session.commit()


INSTRUCTIONS = ("请该单位主要负责同志亲自督办，限期整改到位并书面报告。",
                "已阅。督导检查专班跟踪问效，逾期未改的提请约谈。")


def _review_drafts(at: datetime, demo: "_Demo") -> None:
    """On a working day the task force issues the sweep's drafts; a leader reads some of them."""
    ref = load_reference()
    if not ref.calendar.is_working_day(at.astimezone(LOCAL_TZ).date()):
        return
    drafts = db.session.scalars(db.select(Letter.id).filter_by(kind="prompt", status="draft")
                                .order_by(Letter.id)).all()
    today = at.astimezone(LOCAL_TZ).date()
    for letter_id in drafts:
        draft = db.session.get(Letter, letter_id)
        if set(settled_reasons(draft, today)) >= {it["event_key"] for it in draft.body.get("items", [])}:
            continue  # all answered since the sweep: nothing to send, the next sweep withdraws it
        letter = issue_draft(letter_id, at)
        if demo.rnd.random() < 0.5:
            demo.timeline.at(at + demo.hours(2, 6), _instruct, letter.id, demo)
    db.session.commit()


def _instruct(at: datetime, letter_id: int, demo: "_Demo") -> None:
    """A leader records an instruction (批示) on an issued prompt."""
    add_instruction(db.session.get(Letter, letter_id), demo.leader, demo.rnd.choice(INSTRUCTIONS), at)
    db.session.commit()


def load_demo_findings(days: int = 14, per_day: int = 4) -> int:
    """Create about days × per_day inspections up to now; return how many findings there are."""
    now = utcnow()
    timeline = _Timeline(now)
    demo = _Demo(timeline)
    before = db.session.query(Finding).count()
    today = now.astimezone(LOCAL_TZ).date()
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        if back < days:
            timeline.at(local_at(day, SWEEP_AT.hour, SWEEP_AT.minute), _morning_sweep)
            timeline.at(local_at(day, REVIEW_AT.hour, REVIEW_AT.minute), _review_drafts, demo)
        for k in range(per_day):
            at = local_at(day, 8 + 2 * k, demo.rnd.randrange(60))
            timeline.at(at, demo.inspect, k == 0 and back % 5 == 0)
    timeline.run()
    sweep(now)
    db.session.commit()
    return db.session.query(Finding).count() - before
