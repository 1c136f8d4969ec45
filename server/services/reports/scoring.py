"""The monthly scoring rule (月问效): defaults, configuration, the formula in words, score and grade.

Score (the documented, configurable rule; see ``DEFAULT_SCORING`` and ``scoring_rule``)::

    得分 = 基础分 − 逾期答复×每件扣分 − 逾期整改×每件扣分 − 返工×每次扣分
           − 答复权重×(1 − 按时答复率) − 结案权重×(1 − 按期结案率)
           − 未报送×每次扣分 + 信息采用×每条加分 − 责任清单逾期×每项扣分
           − 新增一般问题×每件扣分 − 新增严重问题×每件扣分

A rate that is ``null`` (nothing due) deducts nothing; the score never falls below the floor.
"""
from .stats import Stats

DEFAULT_SCORING = {"base": 100, "overdue_reply": 2, "overdue_rectification": 3, "rework": 2,
                   "on_time_reply_rate": 10, "on_time_close_rate": 10,
                   "missed_submission": 5, "adopted_submission": 2, "overdue_duty_item": 2,
                   "general_problem": 0, "serious_problem": 1, "floor": 0}
# Per-count terms: weight name → the Stats field it multiplies, and its sign (a bonus adds).
COUNT_TERMS = (("overdue_reply", "overdue_replies", -1),
               ("overdue_rectification", "overdue_rectifications", -1),
               ("rework", "rework", -1), ("missed_submission", "missed_submissions", -1),
               ("adopted_submission", "adopted_submissions", 1),
               ("overdue_duty_item", "overdue_duty_items", -1),
               ("general_problem", "new_general", -1), ("serious_problem", "new_serious", -1))
RATE_TERMS = ("on_time_reply_rate", "on_time_close_rate")
DEFAULT_GRADES = ((90, "优秀"), (80, "良好"), (60, "一般"), (0, "较差"))
DEFAULT_MIN_CASES = 3


def scoring_rule(scoring: dict | None = None, grades=None, min_cases: int | None = None) -> dict:
    """The rule in force: defaults overridden by configuration, with its formula in words."""
    w = dict(DEFAULT_SCORING)
    for key, value in (scoring or {}).items():
        if key not in DEFAULT_SCORING:
            raise ValueError(f"unknown scoring key {key!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"scoring weight {key!r} must be a number")
        w[key] = value
    table = sorted(((float(t), str(g)) for t, g in (grades or DEFAULT_GRADES)), reverse=True)
    if not table:
        raise ValueError("at least one grade is needed")
    min_cases = DEFAULT_MIN_CASES if min_cases is None else int(min_cases)

    def n(x):
        """A weight as written (3, not 3.0)."""
        return int(x) if float(x).is_integer() else x

    formula = (f"得分 = {n(w['base'])} − {n(w['overdue_reply'])}×逾期答复件数"
               f" − {n(w['overdue_rectification'])}×逾期整改件数 − {n(w['rework'])}×返工次数"
               f" − {n(w['on_time_reply_rate'])}×(1 − 按时答复率)"
               f" − {n(w['on_time_close_rate'])}×(1 − 按期结案率)"
               f" − {n(w['missed_submission'])}×未报送信息的半月数"
               f" + {n(w['adopted_submission'])}×信息被采用条数"
               f" − {n(w['overdue_duty_item'])}×逾期责任清单项数"
               f" − {n(w['general_problem'])}×新增一般问题件数 − {n(w['serious_problem'])}×新增严重问题件数；"
               f"期内无应答复或应结案事项时该比率记为空、不扣分；最低 {n(w['floor'])} 分，保留两位小数。")
    grade_text = "；".join(
        (f"{n(t)} 分及以上为“{g}”" if i < len(table) - 1 else f"其余为“{g}”")
        for i, (t, g) in enumerate(table))
    return {
        "weights": {k: n(v) for k, v in w.items()},
        "grades": [{"min_score": n(t), "grade": g} for t, g in table],
        "min_cases": min_cases,
        "formula": formula,
        "grading": f"等次：{grade_text}。",
        "ranking": (f"按得分从高到低排名，同分同名次、其后名次顺延（竞争排名）；期内案件数不足 {min_cases} 件的"
                    "社区不参与排名（名次为空）；周通报的排名使用同一公式按本周数据计算的得分；"
                    "名次变化 = 上月名次 − 本月名次（正数为上升），任一月未参与排名时为空；"
                    "各类单位（社区、专班、科室）分别排名；倒数名单仅列得分低于中位数的单位，"
                    "且不超过参与排名单位数的三分之一（并列者同进同出）。"),
        "definitions": {
            "new": "新增：本期首次向该社区下发整改通知的问题数",
            "closed": "销号：本期复查通过并销号的问题数",
            "open": "未销号：截至期末该社区待答复、整改中、待复查的问题数",
            "overdue_replies": "逾期答复：本期发生的逾期未答复事件数（答复期限已过仍待答复）",
            "overdue_rectifications": "逾期整改：本期发生的逾期未整改事件数（整改时限已过仍未报整改）",
            "on_time_reply_rate": "按时答复率 = 在答复期限内答复的件数 ÷ 答复期限在本期内的件数（整改视同答复）",
            "on_time_close_rate": ("按期结案率 = 已销号且被复查通过的整改在整改时限内完成的件数 ÷ "
                                   "整改时限在本期内的应结案件数（已整改待复查的暂不计入）"),
            "rework": "返工：本期复查不通过的次数",
            "cases": "案件数：本期内曾由该社区负责（待答复、整改中或待复查）的问题数",
            "missed_submissions": "未报送：本月已结束的半月中一条信息也未报送的次数",
            "adopted_submissions": "信息采用：本月报送并被采用的信息条数",
            "overdue_duty_items": "责任清单逾期：本月到期、截至期末仍未确认完成的责任清单事项数",
            "new_general": "新增一般问题：本期首次下发整改通知的问题中严重程度为“一般”的件数",
            "new_serious": ("新增严重问题：本期首次下发整改通知的问题中严重程度为“严重”的件数"
                            "（严重程度随检查项而定，督导检查专班可逐件调整）"),
        },
    }


def _raw_terms(s: Stats, rule: dict) -> dict:
    """Each term's points, unrounded (negative deducts)."""
    w = rule["weights"]
    out = {key: sign * w[key] * getattr(s, attr) for key, attr, sign in COUNT_TERMS}
    for key in RATE_TERMS:
        rate = getattr(s, key)
        out[key] = 0 if rate is None else -w[key] * (1 - rate)
    return out


def terms_of(s: Stats, rule: dict) -> dict:
    """Each term's points for a unit's stats (negative deducts): why a unit lost or gained points."""
    return {k: round(v, 2) + 0 for k, v in _raw_terms(s, rule).items()}


def score_of(s: Stats, rule: dict) -> float:
    """The score of a community's stats under a rule."""
    w = rule["weights"]
    value = w["base"] + sum(_raw_terms(s, rule).values())
    return round(max(w["floor"], value), 2)


def grade_of(score: float, rule: dict) -> str:
    """The grade (等次) a score reaches."""
    for g in rule["grades"]:
        if score >= g["min_score"]:
            return g["grade"]
    return rule["grades"][-1]["grade"]
