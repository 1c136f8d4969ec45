"""Who sees what: a community sees only its own findings, photos and letters."""
import sqlalchemy as sa

from ..extensions import db
from ..models import Finding, FindingPhoto, Letter, Photo, User

EVERYTHING = ("inspector", "supervisor", "leader", "admin")


def finding_scope(user: User):
    """A SQL condition for the findings this user may see."""
    if user.role in EVERYTHING:
        return sa.true()
    if user.role == "community" and user.community_id is not None:
        return Finding.community_id == user.community_id
    return sa.false()


REVIEWERS = ("supervisor", "admin")


def letter_scope(user: User):
    """A SQL condition for the letters this user may see (drafts: the reviewers only)."""
    if user.role in REVIEWERS:
        return sa.true()
    issued = Letter.status == "issued"
    if user.role in EVERYTHING:
        return issued
    if user.role == "community" and user.community_id is not None:
        return sa.and_(issued, Letter.community_id == user.community_id)
    return sa.false()


def can_see_photo(user: User, photo: Photo) -> bool:
    """A photo is visible to its uploader, to the uploader's colleagues in the same unit
    (a submission's or a duty item's evidence belongs to the unit, not one account), and to
    whoever may see a finding using it."""
    if user.role in EVERYTHING or photo.uploaded_by == user.id:
        return True
    if user.role == "community" and user.community_id is not None and db.session.scalar(
            sa.select(sa.func.count()).select_from(User).where(
                User.id == photo.uploaded_by, User.role == "community",
                User.community_id == user.community_id)) > 0:
        return True
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(FindingPhoto)
        .join(Finding, Finding.id == FindingPhoto.finding_id)
        .where(FindingPhoto.photo_id == photo.id, finding_scope(user))) > 0


def get_visible_finding(user: User, finding_id: str, for_update: bool = False) -> Finding | None:
    """Load a finding if this user may see it, else None (answered as 404).

    for_update locks the row (PostgreSQL) so two concurrent actions cannot both pass the
    state check; SQLite already serialises writers with BEGIN IMMEDIATE.
    """
    q = sa.select(Finding).where(Finding.id == finding_id, finding_scope(user))
    return db.session.scalar(q.with_for_update() if for_update else q)
