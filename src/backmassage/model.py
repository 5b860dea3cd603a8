"""What the engine returns: plain, immutable data (SPEC section 4)."""


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
    # Shown to a person, not part of the JSON contract:
    description: str = ""
    pressure: tuple[str, ...] = ()
    session_minutes: int = 0
    frequency: str = ""


class Avoid(NamedTuple):
    id: str
    reason: str
    name: str = ""


class RedFlag(NamedTuple):
    id: str
    name: str
    advice: str
    triage: str = ""


class SourceRef(NamedTuple):
    title: str
    url: str | None


class Recommendation(NamedTuple):
    """The answer for one person. ``to_dict()`` is exactly the JSON object of SPEC section 4."""

    triage: str
    condition: ConditionMatch | None
    alternatives: tuple[ConditionMatch, ...]
    techniques: tuple[TechniqueAdvice, ...]
    avoid: tuple[Avoid, ...]
    red_flags: tuple[RedFlag, ...]
    cautions: tuple[str, ...]
    explanation: tuple[str, ...]
    sources: tuple[SourceRef, ...]
    knowledge_version: str
    answers: Answers = Answers()
    # Which step each explanation sentence belongs to (triage, condition, technique, avoid,
    # missing), so a renderer can lay them out; not part of the JSON contract.
    explanation_steps: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        def match(m: ConditionMatch) -> dict[str, Any]:
            return {"id": m.id, "name": m.name, "score": m.score}

        return {
            "triage": self.triage,
            "condition": match(self.condition) if self.condition else None,
            "alternatives": [match(m) for m in self.alternatives],
            "techniques": [{"id": t.id, "name": t.name, "why": t.why, "benefits": list(t.benefits)}
                           for t in self.techniques],
            "avoid": [{"id": a.id, "reason": a.reason} for a in self.avoid],
            "red_flags": [{"id": f.id, "name": f.name, "advice": f.advice} for f in self.red_flags],
            "cautions": list(self.cautions),
            "explanation": list(self.explanation),
            "sources": [{"title": s.title, "url": s.url} for s in self.sources],
            "knowledge_version": self.knowledge_version,
        }
