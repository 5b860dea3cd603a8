"""The Python API (SPEC section 5)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from backmassage import engine
from backmassage.answers import parse_answers
from backmassage.knowledge import Knowledge
from backmassage.knowledge import load_knowledge as _load_knowledge
from backmassage.model import Recommendation

_bundled: Knowledge | None = None


def load_knowledge(path: str | os.PathLike[str] | None = None) -> Knowledge:
    """Load a knowledge folder laid out like the bundled ``data/`` (``None``: the bundled one).

    Raises ``backmassage.KnowledgeError`` listing every problem when it is not valid.
    """
    global _bundled
    if path is not None:
        return _load_knowledge(path)
    if _bundled is None:
        _bundled = _load_knowledge(None)
    return _bundled


def recommend(
    location: str | None = None,
    cause: str | None = None,
    symptoms: Iterable[str] | str | None = None,
    history: Iterable[str] | str | None = None,
    duration: str | None = None,
    age: int | str | None = None,
    pressure: str | None = None,
    knowledge: Knowledge | None = None,
) -> Recommendation:
    """Recommend a massage, or a doctor, for one person's answers.

    Values are those of SPEC section 1, case-insensitive; lists may also be comma-separated
    text. Raises ``backmassage.InvalidAnswer`` (a ``ValueError``) naming a wrong answer.

        >>> recommend(location="lower", cause="lifting", duration="3d").triage
        'massage'
    """
    answers = parse_answers(
        location=location, cause=cause,
        symptoms=list(symptoms) if symptoms is not None and not isinstance(symptoms, str) else symptoms,
        history=list(history) if history is not None and not isinstance(history, str) else history,
        duration=duration, age=age, pressure=pressure,
    )
    return engine.recommend(answers, knowledge or load_knowledge())


def recommend_many(
    rows: Iterable[Mapping[str, Any]], knowledge: Knowledge | None = None
) -> Iterator[Recommendation | Exception]:
    """Recommend for each row (a mapping with the keys of ``recommend``), lazily and in order.

    A row with a wrong answer yields its ``InvalidAnswer`` instead of stopping the stream.
    """
    knowledge = knowledge or load_knowledge()
    allowed = {"location", "cause", "symptoms", "history", "duration", "age", "pressure"}
    for row in rows:
        try:
            yield recommend(**{k: v for k, v in row.items() if k in allowed}, knowledge=knowledge)
        except ValueError as error:
            yield error
