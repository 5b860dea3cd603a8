"""Plain-data views of the knowledge, for ``backmassage list`` and ``backmassage explain``.

Pure: no printing. The text comes from the knowledge as it is; render.py cleans it for a
terminal, and the JSON carries it unchanged.
"""

from __future__ import annotations

from typing import Any

from backmassage.errors import BackmassageError, suggest
from backmassage.vocabulary import CHOICES, FLAGS

KINDS = ("conditions", "techniques", "red-flags", "contraindications", "sources")


def parse_kind(kind: str) -> str:
    """A kind as typed (``red flags``, ``Condition``) -> one of KINDS, or an error naming them."""
    wanted = kind.strip().lower().replace("_", "-").replace(" ", "-")
    for name in KINDS:
        if wanted in (name, name[:-1]):  # 'red-flags' or 'red-flag'
            return name
    hint = suggest(wanted, KINDS)
    raise BackmassageError(f"{kind!r} is not a kind of knowledge. Kinds: {', '.join(KINDS)}."
                           + (f" Did you mean '{hint}'?" if hint else ""))


def _rules(knowledge: Any) -> tuple[Any, ...]:
    return (*knowledge.red_flags, *knowledge.contraindications)


def _rule_name(rule: Any) -> str:
    """'red flag cauda-equina', 'contraindication anticoagulants'."""
    return f"{'red flag' if rule.is_red_flag else 'contraindication'} {rule.id}"


def list_items(knowledge: Any, kind: str) -> list[dict[str, Any]]:
    """Every item of one kind (one of KINDS), in the knowledge's order, each with at least id and name."""
    if kind == "conditions":
        return [{"id": c.id, "name": c.name, "description": c.description,
                 "techniques": [choice.id for choice in c.choices]} for c in knowledge.conditions]
    if kind == "techniques":
        return [{"id": t.id, "name": t.name, "description": t.description, "pressure": list(t.pressure),
                 "benefits": [b.text for b in t.benefits]} for t in knowledge.techniques.values()]
    if kind == "sources":
        return [{"id": s.id, "name": s.title, "title": s.title, "url": s.url, "kind": s.kind}
                for s in knowledge.sources.values()]
    rules = knowledge.red_flags if kind == "red-flags" else knowledge.contraindications
    return [{"id": r.id, "name": r.name, "triage": r.triage, "when": r.when_text, "avoid": list(r.avoid)}
            for r in rules]


def describe_items(knowledge: Any, item_id: str) -> list[dict[str, Any]]:
    """Every item with this id, of whatever kind (a condition and a contraindication may share one).

    Raises ``BackmassageError`` with the closest id when none has it.
    """
    wanted = item_id.strip().lower()
    found = [_condition(c, knowledge) for c in knowledge.conditions if c.id == wanted]
    if wanted in knowledge.techniques:
        found.append(_technique(knowledge.techniques[wanted], knowledge))
    found += [_rule(rule, knowledge) for rule in _rules(knowledge) if rule.id == wanted]
    if wanted in knowledge.sources:
        found.append(_source(knowledge.sources[wanted], knowledge))
    found += [_answer_value(knowledge, answer, wanted) for answer, values in CHOICES.items() if wanted in values]
    if found:
        return found
    ids = [*(c.id for c in knowledge.conditions), *knowledge.techniques, *(r.id for r in _rules(knowledge)),
           *knowledge.sources, *(value for values in CHOICES.values() for value in values)]
    hint = suggest(wanted, ids)
    raise BackmassageError(
        f"nothing in the knowledge has the id {item_id!r}."
        + (f" Did you mean '{hint}'?" if hint else "")
        + " See 'backmassage list conditions' (or techniques, red-flags, contraindications, sources).")


def _answer_value(knowledge: Any, answer: str, value: str) -> dict[str, Any]:
    """An answer's value (SPEC section 1), with the words accepted for it and, for a warning
    sign, its question; and the safety rules that read it."""
    words = knowledge.vocabulary
    item: dict[str, Any] = {
        "kind": "answer value", "id": value, "name": words.label(answer, value), "answer": answer,
        "flag": f"{FLAGS[answer]} {value}", "synonyms": list(words.synonyms[answer][value]),
        "read_by": [_rule_name(r) for r in _rules(knowledge)
                    if f"{answer}:{value}" in r.atoms or f"unsure:{value}" in r.atoms],
    }
    sign = words.warning_signs.get(value) if answer == "symptoms" else None
    if sign:
        item.update(question=sign.question, why_asked=sign.why)
    return item


def describe_item(knowledge: Any, item_id: str) -> dict[str, Any]:
    """The JSON of ``explain``: the first item with this id; others sharing it under ``also``."""
    first, *others = describe_items(knowledge, item_id)
    return {**first, "also": others} if others else first


def _source_refs(knowledge: Any, ids: Any) -> list[dict[str, Any]]:
    refs = sorted((knowledge.sources[s] for s in dict.fromkeys(ids)), key=lambda s: s.strength)
    return [{"id": s.id, "title": s.title, "url": s.url, "kind": s.kind} for s in refs]


def _condition(condition: Any, knowledge: Any) -> dict[str, Any]:
    techniques = [{"id": choice.id, "name": knowledge.techniques[choice.id].name,
                   "why": choice.whys[0].text if choice.whys else ""} for choice in condition.choices]
    doses = [{"session_minutes": d.session_minutes, "frequency": d.frequency, "when": d.when_text}
             for d in condition.doses]
    return {"kind": "condition", "id": condition.id, "name": condition.name,
            "description": condition.description, "techniques": techniques, "doses": doses,
            "cautions": [c.text for c in condition.cautions], "self_care": [c.text for c in condition.self_care],
            "sources": _source_refs(knowledge, condition.sources)}


def _technique(technique: Any, knowledge: Any) -> dict[str, Any]:
    offered = [c.id for c in knowledge.conditions if any(choice.id == technique.id for choice in c.choices)]
    return {"kind": "technique", "id": technique.id, "name": technique.name,
            "description": technique.description, "pressure": list(technique.pressure),
            "benefits": [b.text for b in technique.benefits], "conditions": offered,
            "sources": _source_refs(knowledge, technique.sources)}


def _rule(rule: Any, knowledge: Any) -> dict[str, Any]:
    return {"kind": "red flag" if rule.is_red_flag else "contraindication", "id": rule.id, "name": rule.name,
            "when": rule.when_text, "triage": rule.triage, "advice": rule.advice,
            "avoid": [{"id": avoid.id, "name": avoid.name} for avoid in rule.avoid_records],
            "reason": rule.reason, "caution": rule.caution, "sources": _source_refs(knowledge, rule.sources)}


def _source(source: Any, knowledge: Any) -> dict[str, Any]:
    """A source, and every item that cites it: itself, or in one of its claims (whys, cautions, doses...)."""
    def cites(sources: Any, claims: Any = ()) -> bool:
        return source.id in sources or any(source.id in claim.sources for claim in claims)

    def condition_claims(c: Any) -> list[Any]:
        return [*c.cautions, *c.self_care, *c.doses, *(why for choice in c.choices for why in choice.whys)]

    cited = ([f"condition {c.id}" for c in knowledge.conditions if cites(c.sources, condition_claims(c))]
             + [f"technique {t.id}" for t in knowledge.techniques.values() if cites(t.sources, t.benefits)]
             + [_rule_name(r) for r in _rules(knowledge) if cites(r.sources)])
    return {"kind": "source", "id": source.id, "name": source.title, "title": source.title, "url": source.url,
            "source_kind": source.kind, "original": source.original, "cited_by": cited, "sources": []}
