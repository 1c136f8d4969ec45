"""The output shape of a letter."""
from ..models import Letter
from ..timeutil import iso

KIND_LABELS = {"notice": "问题整改通知函", "reply": "答复函", "prompt": "工作提示函"}


def letter_dict(letter: Letter) -> dict:
    """Serialise a letter's header; its page is at /letters/<id>."""
    return {"id": letter.id, "kind": letter.kind, "kind_label": KIND_LABELS[letter.kind],
            "number": letter.number, "title": letter.body.get("title"),
            "community_id": letter.community_id, "finding_ids": letter.finding_ids,
            "issued_at": iso(letter.issued_at), "url": f"/letters/{letter.id}"}
