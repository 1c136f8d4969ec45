"""The finding state machine: one table of transitions, who may make each, and where to."""
from dataclasses import dataclass

OPEN = ("unassigned", "assigned", "returned", "replied", "rectified")


@dataclass(frozen=True)
class Transition:
    """An action: the states it starts from, the roles allowed, the state it leads to."""

    action: str
    sources: tuple[str, ...]
    roles: tuple[str, ...]
    target: str | None  # None: the state does not change
    label: str


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("assign", ("unassigned", "returned"), ("supervisor",), "assigned", "派发"),
    Transition("reply", ("assigned",), ("community",), "replied", "答复"),
    Transition("return", ("assigned",), ("community",), "returned", "回退"),
    Transition("deny_return", ("returned",), ("supervisor",), "assigned", "驳回回退"),
    Transition("rectify", ("assigned", "replied"), ("community",), "rectified", "整改完成"),
    Transition("request_extension", ("replied",), ("community",), None, "申请延期"),
    Transition("approve_extension", ("replied",), ("supervisor",), None, "同意延期"),
    Transition("deny_extension", ("replied",), ("supervisor",), None, "不同意延期"),
    Transition("set_deadline", ("assigned", "replied"), ("supervisor",), None, "调整整改时限"),
    Transition("set_severity", OPEN, ("supervisor",), None, "调整严重程度"),
    Transition("verify", ("rectified",), ("supervisor", "inspector"), "closed", "复查通过"),
    Transition("reject", ("rectified",), ("supervisor", "inspector"), "replied", "复查不通过（返工）"),
    Transition("void", OPEN, ("supervisor",), "void", "作废"),
)}

STATUS_LABELS = {
    "unassigned": "待派发", "assigned": "待答复", "returned": "待改派", "replied": "整改中",
    "rectified": "待复查", "closed": "已销号", "void": "已作废",
}


class TransitionError(Exception):
    """Why an action cannot be made: unknown (400), wrong role (403), wrong state (409)."""

    def __init__(self, status: int, code: str, message: str):
        """Keep the HTTP status, a stable code and a Chinese message."""
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def plan(action: str, status: str, role: str, extension_pending: bool = False) -> Transition:
    """Return the transition for an action in a state by a role, or raise TransitionError."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise TransitionError(400, "unknown_action", f"未知操作：{action}")
    if role not in t.roles:
        raise TransitionError(403, "role_not_allowed", f"当前角色不能进行“{t.label}”")
    if status not in t.sources:
        raise TransitionError(409, "not_allowed_in_state",
                              f"问题处于“{STATUS_LABELS.get(status, status)}”状态，不能进行“{t.label}”")
    if action == "request_extension" and extension_pending:
        raise TransitionError(409, "extension_already_pending", "已有待审批的延期申请")
    if action in ("approve_extension", "deny_extension") and not extension_pending:
        raise TransitionError(409, "no_extension_pending", "没有待审批的延期申请")
    return t


def target_of(t: Transition, status: str) -> str:
    """The state after the transition."""
    return t.target or status
