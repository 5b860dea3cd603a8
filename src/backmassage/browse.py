"""Plain-data descriptions of one knowledge item, for ``backmassage explain``."""

from __future__ import annotations

from typing import Any

from backmassage.errors import BackmassageError, suggest
from backmassage.knowledge import Knowledge, Rule


def all_ids(knowledge: Knowledge) -> list[str]:
    return ([c.id for c in knowledge.conditions] + list(knowledge.techniques)
            + [r.id for r in knowledge.red_flags] + [r.id for r in knowledge.contraindications])


def describe_item(knowledge: Knowledge, item_id: str) -> dict[str, Any]:
    """One condition, technique, red flag or contraindication as plain data, with its sources."""

    def sources(ids: tuple[str, ...]) -> list[dict[str, Any]]:
        return [{"title": knowledge.sources[s].title, "url": knowledge.sources[s].url} for s in ids]

    for condition in knowledge.conditions:
        if condition.id == item_id:
            return {"kind": "condition", "id": condition.id, "name": condition.name,
                    "description": condition.description,
                    "techniques": [{"id": t.id, "name": knowledge.techniques[t.id].name, "why": t.why}
                                   for t in condition.techniques],
                    "cautions": list(condition.cautions), "sources": sources(condition.sources)}
    if item_id in knowledge.techniques:
        t = knowledge.techniques[item_id]
        return {"kind": "technique", "id": t.id, "name": t.name, "description": t.description,
                "pressure": list(t.pressure), "session_minutes": t.session_minutes,
                "frequency": t.frequency, "benefits": list(t.benefits), "sources": sources(t.sources)}
    for rule in knowledge.red_flags + knowledge.contraindications:
        if rule.id == item_id:
            return _rule(rule, knowledge, sources(rule.sources))
    hint = suggest(item_id, all_ids(knowledge))
    raise BackmassageError(
        f"no condition, technique, red flag or contraindication has the id {item_id!r}."
        + (f" Did you mean '{hint}'?" if hint else "")
        + " See 'backmassage conditions' and 'backmassage techniques'.")


def _rule(rule: Rule, knowledge: Knowledge, sources: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": "red flag" if rule.is_red_flag else "contraindication", "id": rule.id, "name": rule.name,
            "when": rule.when_text, "triage": rule.triage, "advice": rule.advice,
            "avoid": [{"id": t, "name": knowledge.techniques[t].name} for t in rule.avoid],
            "reason": rule.reason, "caution": rule.caution, "sources": sources}
