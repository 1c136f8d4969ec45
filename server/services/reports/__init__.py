"""Reports — 日督导、周通报、月问效 — as pure computation (no Flask, no database).

The loader (``report_data.py``) hands in plain rows: communities, points, and findings with
their event history; the functions here return the JSON documents. Every date is an
Asia/Shanghai local date; a period is ``[from, to]`` inclusive. A report looks at history
up to its *cut-off*: the end of the period, or now while the period is still running, so a
finished week's bulletin never changes afterwards.

Who is responsible for what: each notice (the finding's creation when it is assigned at once,
or a later ``assign``) opens a *segment* owned by one community, with its own reply clock
(``reply_due``) and rectification clock (``rectify_due``, moved by ``set_deadline`` or an
approved extension). A ``return`` followed by ``deny_return`` stays in the same segment;
a reassignment opens a new one. Everything below is attributed to the segment's community.

Per community and period (DESIGN.md "Reports"; DOMAIN.md "Rates and reports"):

* ``new`` — findings whose first notice to the community falls in the period.
* ``closed`` — findings verified and closed (销号) in the period.
* ``open`` — findings of the community still 待答复/整改中/待复查 at the cut-off.
* ``overdue_replies`` / ``overdue_rectifications`` — overdue *events* that occurred in the
  period: a due date passed without a reply (while 待答复) or without a rectification (while
  待答复/整改中). The event occurs on the first day after the due date on which the finding
  is still in that state (also later, e.g. after a ``deny_return``), exactly when the deadline
  sweep issues its prompt letter; one event per (finding, clock, due date).
* ``on_time_reply_rate`` 按时答复率 = replies made by their deadline ÷ replies due in the
  period. A reply clock is due in the period when its due date lies in it; it counts once
  decided: replied (a rectification counts as the reply), or lapsed (overdue). Clocks still
  running, and clocks ended by a return or voiding before their due date, are left out.
  ``null`` when nothing was due.
* ``on_time_close_rate`` 按期结案率 = findings closed whose accepted rectification was made
  by the rectification deadline ÷ findings that should have closed in the period (their
  deadline lies in it): closed, or lapsed without closing. A rectification made in time but
  still awaiting re-inspection is pending and left out; the task force's verification delay
  never counts against the community. ``null`` when nothing should have closed.
* ``rework`` 返工 — failed re-inspections (``reject``) in the period.
* ``resightings`` 仍未整改 — sightings of a problem already open (a failure recorded again
  at its point; a sighting of a 待复查 one is also a ``reject``): a relapse signal, while the
  problem itself counts once.
* ``cases`` 案件数 — findings the community held (待答复/整改中/待复查) at some moment of
  the period; only communities with at least ``min_cases`` cases are ranked.

Score (the documented, configurable rule; see ``DEFAULT_SCORING`` and ``scoring_rule``)::

    得分 = 基础分 − 逾期答复×每件扣分 − 逾期整改×每件扣分 − 返工×每次扣分
           − 答复权重×(1 − 按时答复率) − 结案权重×(1 − 按期结案率)

A rate that is ``null`` (nothing due) deducts nothing; the score never falls below the floor.
Defaults: 100 − 2/逾期答复 − 3/逾期整改 − 2/返工 − 10×(1−按时答复率) − 10×(1−按期结案率).
Grade (等次): the first threshold the score reaches — ≥90 优秀, ≥80 良好, ≥60 一般, else 较差.
Rank: competition ranking by score among ranked communities (ties share a rank, the next
rank skips); the weekly ranking uses this same score computed over the week. ``change`` is
last month's rank minus this month's (positive: moved up), null when unranked in either.
The bottom list (倒数, the key ``bottom_three`` kept from v1) names the worst-ranked units whose
score is below the median of the ranked scores, never more than a third of the ranked units (a
tie group that would cross that cap is left out whole): of four ranked, at most the last.

The computation is split along its seams, each module readable on its own:
``periods`` (weeks, months, half-months, years), ``timeline`` (one finding's history and
clocks), ``stats`` (per-unit numbers), ``scoring`` (the rule), ``ranking``, ``bulletins``
(weekly and monthly assembly), ``coverage`` (daily), ``campaign`` (信息报送, 责任清单 and the
year). This package re-exports their names, so ``from server.services import reports as R``
keeps working.
"""
from .bulletins import (KIND_LABELS, CAMPAIGN_FIELDS, CLOCK_LABELS, COMMUNITY_FIELDS, GRADED_FIELDS, DEFAULT_TYPICAL_PHOTOS,  # noqa: F401
                        MONTHLY_FIELDS, RESOLUTION_LABELS, last_period_followup, monthly_report,
                        overdue_list, period_scores, problems_by_place, scope_to_community,
                        typical_photos, unit_section, weekly_report)
from .campaign import duty_rows, monthly_terms, submission_ranking, yearly_rows  # noqa: F401
from .coverage import DayFacts, coverage_report, inspector_rows  # noqa: F401
from .periods import (YEARS, Period, cutoff_day, cutoff_of, day_end, half_of,  # noqa: F401
                      half_period, halves_of, local_day, local_iso, local_midnight, month_of,
                      month_period, parse_day, parse_half, parse_month, parse_week,
                      parse_week_or_month, parse_year, previous_period, week_of, week_period)
from .ranking import bottom_three, competition_ranks  # noqa: F401
from .scoring import (DEFAULT_GRADES, DEFAULT_MIN_CASES, DEFAULT_SCORING, grade_of,  # noqa: F401
                      score_of, scoring_rule, terms_of)
from .stats import HELD, Stats, community_stats  # noqa: F401
from .timeline import (REPLY_WORKING_DAYS, EventRow, Facts, FindingRow, Overdue,  # noqa: F401
                       PointRow, analyse)
