"""Printable pages: the three letters as A4 pages in Chinese."""
from flask import Blueprint, g, render_template

from ..auth import auth_required
from ..errors import ApiError
from ..extensions import db
from ..models import Community, Letter
from ..schemas.letters import letter_items
from ..services.letters import letterhead
from ..services.visibility import letter_scope
from ..timeutil import to_local

bp = Blueprint("pages", __name__, template_folder="templates")


def _cn_date(value) -> str:
    """Format a date or ISO date string as 2026年11月28日."""
    if value is None:
        return ""
    if isinstance(value, str):
        y, m, d = value[:10].split("-")
        return f"{int(y)}年{int(m)}月{int(d)}日"
    return f"{value.year}年{value.month}月{value.day}日"


def _md(value) -> str:
    """Format a date as 11月28日."""
    return _cn_date(value).split("年", 1)[1] if value else ""


@bp.app_template_filter("cn_date")
def cn_date_filter(value):
    """Template filter for a Chinese date."""
    return _cn_date(value)


@bp.app_template_filter("md")
def md_filter(value):
    """Template filter for a Chinese month-day."""
    return _md(value)


@bp.get("/letters/<int(max=2147483647):letter_id>")
@auth_required(cookie=True)
def letter_page(letter_id):
    """A letter as a printable A4 page."""
    letter = db.session.scalar(db.select(Letter).where(Letter.id == letter_id,
                                                       letter_scope(g.user)))
    if letter is None:
        raise ApiError(404, "not_found", "函件不存在或无权查看")
    community = db.session.get(Community, letter.community_id) if letter.community_id else None
    return render_template(f"letter_{letter.kind}.html", letter=letter,
                           body={**letter.body, "items": letter_items(letter)},
                           community=community, head=contact_of(letter),
                           issued=to_local(letter.issued_at) if letter.issued_at else None)


def contact_of(letter: Letter) -> dict:
    """The office's contact printed on a letter: its snapshot, else the settings in force (a
    letter issued before a contact person was set still names one, never the office)."""
    body = letter.body
    if body.get("contact_person"):
        return {"office": body.get("office"), "contact_person": body["contact_person"],
                "contact_phone": body.get("contact_phone", "")}
    return letterhead()


from . import campaign, reports  # noqa: E402,F401
