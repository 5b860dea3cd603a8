"""What the engine returns: plain, immutable data (SPEC section 4)."""

# No `from __future__ import annotations`: NamedTuple would compile each string annotation at
# import, a cost every start pays (issue 10).
from typing import Any, NamedTuple

from backmassage.answers import Answers


class ConditionMatch(NamedTuple):
    id: str
    name: str
    score: float
    description: str = ""


class TechniqueAdvice(NamedTuple):
    id: str
    name: str
    why: str
    benefits: tuple[str, ...]
    pressure: tuple[str, ...] = ()
    session_minutes: int | None = None
    frequency: str | None = None
    description: str = ""  # shown to a person, not part of the JSON contract


class Avoid(NamedTuple):
    id: str
    name: str
    reason: str


class RedFlag(NamedTuple):
    id: str
    name: str
    advice: str
    triage: str


class SourceRef(NamedTuple):
    id: str
    title: str
    url: str | None
    kind: str


class Recommendation(NamedTuple):
    """The answer for one person. ``to_dict()`` is exactly the JSON object of SPEC section 4."""

    triage: str
    condition: ConditionMatch | None
    alternatives: tuple[ConditionMatch, ...]
    techniques: tuple[TechniqueAdvice, ...]
    avoid: tuple[Avoid, ...]
    red_flags: tuple[RedFlag, ...]
    cautions: tuple[str, ...]  # the rules' cautions first: they matter most
    self_care: tuple[str, ...]
    therapist_note: str | None
    explanation: tuple[str, ...]
    not_asked: tuple[str, ...]
    unsure: tuple[str, ...]
    unanswered: tuple[str, ...]
    sources: tuple[SourceRef, ...]  # strongest kind first
    knowledge_version: str
    knowledge_fingerprint: str
    answers: Answers = Answers()
    # Which step each explanation sentence belongs to (triage, screening, condition, technique,
    # avoid, missing), so a renderer can lay them out; not part of the JSON contract.
    explanation_steps: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A new dict each call: changing it changes nothing for anyone else."""
        return {
            "triage": self.triage,
            "condition": _match(self.condition) if self.condition else None,
            "alternatives": [_match(m) for m in self.alternatives],
            "techniques": [{"id": t.id, "name": t.name, "why": t.why, "benefits": list(t.benefits),
                            "pressure": list(t.pressure), "session_minutes": t.session_minutes,
                            "frequency": t.frequency} for t in self.techniques],
            "avoid": [{"id": a.id, "name": a.name, "reason": a.reason} for a in self.avoid],
            "red_flags": [{"id": f.id, "name": f.name, "advice": f.advice} for f in self.red_flags],
            "cautions": list(self.cautions),
            "self_care": list(self.self_care),
            "therapist_note": self.therapist_note,
            "explanation": list(self.explanation),
            "not_asked": list(self.not_asked),
            "unsure": list(self.unsure),
            "unanswered": list(self.unanswered),
            "sources": [{"id": s.id, "title": s.title, "url": s.url, "kind": s.kind} for s in self.sources],
            "knowledge_version": self.knowledge_version,
            "knowledge_fingerprint": self.knowledge_fingerprint,
        }


def _match(m: ConditionMatch) -> dict[str, Any]:
    return {"id": m.id, "name": m.name, "score": m.score}
