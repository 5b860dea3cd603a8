"""Plain-data views of the knowledge, for ``backmassage list`` and ``backmassage explain``.

Pure: no printing. The text comes from the knowledge as it is; render.py cleans it for a
terminal, and the JSON carries it unchanged.
"""

from __future__ import annotations

from typing import Any

from backmassage.errors import BackmassageError, suggest

KINDS = ("conditions", "techniques", "red-flags", "contraindications", "sources")
KIND_NAMES = {"conditions": "condition", "techniques": "technique", "red-flags": "red flag",
              "contraindications": "contraindication", "sources": "source"}


def _text(claim: Any) -> str:
    """A claim's sentence (the knowledge may hold a claim record or plain text)."""
    return str(getattr(claim, "text", claim))


def _techniques(knowledge: Any) -> list[Any]:
    return list(knowledge.techniques.values())


def _sources(knowledge: Any) -> list[Any]:
    return list(knowledge.sources.values())


def parse_kind(kind: str) -> str:
    """A kind as typed (``red flags``, ``Condition``) -> one of KINDS, or an error naming them."""
    wanted = kind.strip().lower().replace("_", "-").replace(" ", "-")
    for name in KINDS:
        if wanted in (name, name[:-1], KIND_NAMES[name].replace(" ", "-")):
            return name
    hint = suggest(wanted, KINDS)
    raise BackmassageError(f"{kind!r} is not a kind of knowledge. Kinds: {', '.join(KINDS)}."
                           + (f" Did you mean '{hint}'?" if hint else ""))


def list_items(knowledge: Any, kind: str) -> list[dict[str, Any]]:
    """Every item of one kind, in the knowledge's order, each with at least id and name (title)."""
    if kind == "conditions":
        return [{"id": c.id, "name": c.name, "description": c.description,
                 "techniques": [choice.id for choice in _choices(c)]} for c in knowledge.conditions]
    if kind == "techniques":
        return [{"id": t.id, "name": t.name, "description": t.description, "pressure": list(t.pressure),
                 "benefits": [_text(b) for b in t.benefits]} for t in _techniques(knowledge)]
    if kind in ("red-flags", "contraindications"):
        rules = knowledge.red_flags if kind == "red-flags" else knowledge.contraindications
        return [{"id": r.id, "name": r.name, "triage": r.triage, "when": r.when_text,
                 "avoid": list(r.avoid)} for r in rules]
    if kind == "sources":
        return [{"id": s.id, "name": s.title, "title": s.title, "url": s.url, "kind": getattr(s, "kind", None)}
                for s in _sources(knowledge)]
    raise BackmassageError(f"unknown kind {kind!r}")


def _choices(condition: Any) -> list[Any]:
    choices = getattr(condition, "choices", None) or getattr(condition, "techniques", None) or ()
    return list(choices)


def all_ids(knowledge: Any) -> list[str]:
    return ([c.id for c in knowledge.conditions] + [t.id for t in _techniques(knowledge)]
            + [r.id for r in knowledge.red_flags] + [r.id for r in knowledge.contraindications]
            + [s.id for s in _sources(knowledge)])


def describe_items(knowledge: Any, item_id: str) -> list[dict[str, Any]]:
    """Every item with this id, of whatever kind (a condition and a contraindication may share one).

    Raises ``BackmassageError`` with the closest id when none has it.
    """
    wanted = item_id.strip().lower()
    found: list[dict[str, Any]] = []
    for condition in knowledge.conditions:
        if condition.id == wanted:
            found.append(_condition(condition, knowledge))
    if wanted in knowledge.techniques:
        found.append(_technique(knowledge.techniques[wanted], knowledge))
    for rule in tuple(knowledge.red_flags) + tuple(knowledge.contraindications):
        if rule.id == wanted:
            found.append(_rule(rule, knowledge))
    if wanted in knowledge.sources:
        found.append(_source(knowledge.sources[wanted], knowledge))
    found += _answer_values(knowledge, wanted)
    if found:
        return found
    from backmassage.vocabulary import CHOICES

    hint = suggest(wanted, all_ids(knowledge) + [value for values in CHOICES.values() for value in values])
    raise BackmassageError(
        f"nothing in the knowledge has the id {item_id!r}."
        + (f" Did you mean '{hint}'?" if hint else "")
        + " See 'backmassage list conditions' (or techniques, red-flags, contraindications, sources).")


def _answer_values(knowledge: Any, wanted: str) -> list[dict[str, Any]]:
    """An answer's value (SPEC section 1), with the words accepted for it and, for a warning
    sign, its question; and the safety rules that read it."""
    from backmassage.vocabulary import CHOICES, FLAGS

    words = knowledge.vocabulary
    found = []
    for answer, values in CHOICES.items():
        if wanted not in values:
            continue
        atom = f"{answer}:{wanted}"
        item: dict[str, Any] = {
            "kind": "answer value", "id": wanted, "name": words.label(answer, wanted), "answer": answer,
            "flag": f"{FLAGS[answer]} {wanted}", "synonyms": list(words.synonyms[answer][wanted]),
            "read_by": [f"{'red flag' if r.is_red_flag else 'contraindication'} {r.id}" for r in
                        tuple(knowledge.red_flags) + tuple(knowledge.contraindications)
                        if atom in r.atoms or f"unsure:{wanted}" in r.atoms],
        }
        sign = words.warning_signs.get(wanted) if answer == "symptoms" else None
        if sign:
            item.update(question=sign.question, why_asked=sign.why)
        found.append(item)
    return found


def describe_item(knowledge: Any, item_id: str) -> dict[str, Any]:
    """The JSON of ``explain``: the first item with this id; others sharing it under ``also``."""
    first, *others = describe_items(knowledge, item_id)
    return {**first, "also": others} if others else first


def _source_refs(knowledge: Any, ids: Any) -> list[dict[str, Any]]:
    refs = [knowledge.sources[s] for s in dict.fromkeys(ids) if s in knowledge.sources]
    refs.sort(key=lambda s: getattr(s, "strength", 0))
    return [{"id": s.id, "title": s.title, "url": s.url, "kind": getattr(s, "kind", None)} for s in refs]


def _condition(condition: Any, knowledge: Any) -> dict[str, Any]:
    techniques = []
    for choice in _choices(condition):
        whys = getattr(choice, "whys", None)
        why = _text(whys[0]) if whys else _text(getattr(choice, "why", ""))
        technique = knowledge.techniques.get(choice.id)
        techniques.append({"id": choice.id, "name": technique.name if technique else choice.id, "why": why})
    doses = [{"session_minutes": d.session_minutes, "frequency": d.frequency,
              "when": d.when_text} for d in condition.doses]
    return {"kind": "condition", "id": condition.id, "name": condition.name,
            "description": condition.description, "techniques": techniques, "doses": doses,
            "cautions": [_text(c) for c in condition.cautions],
            "self_care": [_text(c) for c in getattr(condition, "self_care", ())],
            "sources": _source_refs(knowledge, condition.sources)}


def _technique(technique: Any, knowledge: Any) -> dict[str, Any]:
    offered = [c.id for c in knowledge.conditions if any(ch.id == technique.id for ch in _choices(c))]
    return {"kind": "technique", "id": technique.id, "name": technique.name,
            "description": technique.description, "pressure": list(technique.pressure),
            "benefits": [_text(b) for b in technique.benefits], "conditions": offered,
            "sources": _source_refs(knowledge, technique.sources)}


def _rule(rule: Any, knowledge: Any) -> dict[str, Any]:
    return {"kind": "red flag" if rule.is_red_flag else "contraindication", "id": rule.id, "name": rule.name,
            "when": rule.when_text, "triage": rule.triage, "advice": rule.advice,
            "avoid": [{"id": t, "name": knowledge.techniques[t].name if t in knowledge.techniques else t}
                      for t in rule.avoid],
            "reason": rule.reason, "caution": rule.caution, "sources": _source_refs(knowledge, rule.sources)}


def _cites(source_id: str, sources: Any, claims: Any = ()) -> bool:
    """Whether an item cites a source: itself, or in one of its claims (whys, cautions, doses...)."""
    return source_id in sources or any(source_id in claim.sources for claim in claims)


def _source(source: Any, knowledge: Any) -> dict[str, Any]:
    def condition_claims(c: Any) -> list[Any]:
        return [*c.cautions, *c.self_care, *c.doses, *(why for choice in c.choices for why in choice.whys)]

    cited = ([f"condition {c.id}" for c in knowledge.conditions if _cites(source.id, c.sources, condition_claims(c))]
             + [f"technique {t.id}" for t in _techniques(knowledge) if _cites(source.id, t.sources, t.benefits)]
             + [f"{'red flag' if r.is_red_flag else 'contraindication'} {r.id}"
                for r in tuple(knowledge.red_flags) + tuple(knowledge.contraindications) if source.id in r.sources])
    return {"kind": "source", "id": source.id, "name": source.title, "title": source.title, "url": source.url,
            "source_kind": getattr(source, "kind", None), "original": getattr(source, "original", None),
            "cited_by": cited, "sources": []}
