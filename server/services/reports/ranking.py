"""Ranking: competition ranks by score among the eligible units, the public table, the bottom list."""
import statistics

from .scoring import score_of
from .stats import Stats


def competition_ranks(scores: dict, eligible) -> dict:
    """Competition ranks (1, 2, 2, 4) by descending score among the eligible keys; others None."""
    ordered = sorted((k for k in scores if k in eligible), key=lambda k: -scores[k])
    ranks, prev, rank = {}, None, 0
    for i, k in enumerate(ordered, start=1):
        if scores[k] != prev:
            rank, prev = i, scores[k]
        ranks[k] = rank
    return {k: ranks.get(k) for k in scores}



def bottom_three(rows: list[dict]) -> list[dict]:
    """倒数 (the name keeps the contract's key): the worst-ranked rows whose score lies below the
    median of the ranked scores, never more than a third of the ranked rows — a tie group that
    would cross that cap is left out whole. Of 4 ranked, at most the last; of 2, nobody."""
    ranked = [r for r in rows if r["rank"] is not None]
    cap = len(ranked) // 3
    if not cap:
        return []
    median = statistics.median(r["score"] for r in ranked)
    out: list[dict] = []
    for rank in sorted({r["rank"] for r in ranked}, reverse=True):
        group = sorted((r for r in ranked if r["rank"] == rank), key=lambda r: r["community_id"])
        if group[0]["score"] >= median or len(out) + len(group) > cap:
            break
        out += group
    return out


def _ranking(communities, stats: dict[int, Stats], rule: dict) -> tuple[dict, dict]:
    """Scores and ranks of every community."""
    scores = {cid: score_of(stats[cid], rule) for cid, _ in communities}
    eligible = {cid for cid, _ in communities if len(stats[cid].cases) >= rule["min_cases"]}
    return scores, competition_ranks(scores, eligible)


def _ranking_table(communities, stats, scores, ranks, grades=None, changes=None) -> list[dict]:
    """The public ranking table (names, cases, scores, ranks), best first, unranked last."""
    table = []
    for cid, name in communities:
        row = {"community_id": cid, "name": name, "cases": len(stats[cid].cases),
               "score": scores[cid], "rank": ranks[cid]}
        if grades is not None:
            row["grade"] = grades[cid]
        if changes is not None:
            row["change"] = changes[cid]
        table.append(row)
    table.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, -r["score"], r["community_id"]))
    return table


def _public(r: dict) -> dict:
    """A bottom-three entry."""
    return {k: r[k] for k in ("community_id", "name", "rank", "score")}
