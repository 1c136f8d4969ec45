"""The output shape of a letter."""
from ..models import Letter
from ..timeutil import iso

KIND_LABELS = {"notice": "问题整改通知函", "reply": "答复函", "prompt": "工作提示函"}
PROBLEM_KEYS = ("finding_id", "code", "point", "description", "item_text", "clock", "due",
                "new_due", "overdue_working_days")


V1_PROMPT_KEYS = ("clock", "due", "new_due", "overdue_working_days", "notice_number", "notice_date")


def letter_items(letter: Letter) -> list[dict]:
    """A letter's items; a v1 prompt or reply letter (one problem, its clock or reply kept
    beside the list) reads like a v1.1 one."""
    items = letter.body.get("items", [])
    if letter.kind == "prompt":
        return [{**{k: letter.body.get(k) for k in V1_PROMPT_KEYS}, **{k: v for k, v in it.items() if v is not None}}
                for it in items]
    if letter.kind == "reply" and letter.body.get("reply"):
        return [{**letter.body["reply"], "how": "reply", **it} for it in items]
    return items


def instruction_dict(row) -> dict:
    """A leader's instruction as the API shows it."""
    return {"id": row.id, "letter_id": row.letter_id, "text": row.text, "at": iso(row.at),
            "author": {"id": row.author.id, "display_name": row.author.display_name}}


def letter_dict(letter: Letter, reply_ids: dict | None = None) -> dict:
    """Serialise a letter's header; its page is at /letters/<id>.

    Prompts carry their problems and instructions (the leaders read them in the list);
    a notice carries the id of its reply letter when `reply_ids` knows it."""
    out = {"id": letter.id, "kind": letter.kind, "kind_label": KIND_LABELS[letter.kind],
           "status": letter.status, "number": letter.number, "title": letter.body.get("title"),
           "community_id": letter.community_id, "unit_id": letter.community_id,
           "unit_name": letter.community.name if letter.community else None,
           "finding_ids": letter.finding_ids, "created_at": iso(letter.created_at),
           "issued_at": iso(letter.issued_at) if letter.issued_at else None,
           "url": f"/letters/{letter.id}"}
    if letter.kind == "reply":
        out["notice_id"] = letter.notice_id
    if letter.kind == "notice" and reply_ids is not None:
        out["reply_letter_id"] = reply_ids.get(letter.id)
    if letter.kind == "prompt":
        out["new_due"] = letter.body.get("new_due")
        out["problems"] = [{k: it.get(k) for k in PROBLEM_KEYS} for it in letter_items(letter)]
        out["instructions"] = [instruction_dict(r) for r in letter.instructions]
    return out
