"""Evidence photos: metadata here, bytes in the storage backend."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class Photo(db.Model):
    """An uploaded photo under the client's UUID; the bytes are content-addressed."""

    __tablename__ = "photos"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    content_type: Mapped[str] = mapped_column(sa.String(32))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    exif_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exif_lat: Mapped[float | None]
    exif_lon: Mapped[float | None]
    # The exif_* columns hold the original file's capture time and GPS: read from the uploaded
    # bytes, or, when the phone resized the photo, as it reported them (X-Original-* headers).
    # original_checked: the phone read the original, so a missing capture time is a finding.
    original_checked: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    uploaded_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # A 64-bit difference hash of the picture (16 hex digits), None for a picture too flat to
    # tell apart: near-identical re-encodings of one photo share (almost) the same hash.
    phash: Mapped[str | None] = mapped_column(sa.String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
