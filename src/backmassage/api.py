"""The Python API (SPEC section 5), and the one seam every other part goes through.

    >>> from backmassage import recommend, InvalidAnswer
    >>> rec = recommend(location="lower", cause="lifting", symptoms=["spasm"], duration="3d", age=40)
    >>> rec.triage in ("massage", "see-clinician", "urgent", "emergency")
    True
    >>> try:
    ...     recommend(location="hip")
    ... except InvalidAnswer as error:
    ...     print(error.answer, "|", error.valid)
    location | lower, upper, neck, widespread

The command line, the guided mode and batch call these functions; nothing else imports the
engine. Everything here is pure: no printing, no terminal, no files except the knowledge
folder, and nothing kept from one person to the next (the bundled knowledge is compiled
once per process; it holds no answers).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple, overload, Literal

from backmassage import engine
from backmassage import knowledge as _knowledge
from backmassage.answers import Answers, parse_age, parse_duration  # one answer's own parsers, for the interview
from backmassage.answers import parse_answers as _parse
from backmassage.errors import InvalidAnswer, suggest
from backmassage.expressions import describe_days  # "3 weeks": durations in words, for the interview
from backmassage.knowledge import Knowledge
from backmassage.model import Recommendation
from backmassage.vocabulary import ANSWER_NAMES

__all__ = ["ANSWER_NAMES", "Answers", "CaseResult", "KNOWLEDGE_FILES", "bundled_folder", "describe_days",
           "knowledge_schema", "load_knowledge", "parse_age", "parse_answers", "parse_duration", "recommend",
           "recommend_answers", "recommend_many", "recommend_row", "run_cases", "validate_knowledge",
           "warning_signs_to_ask"]

KNOWLEDGE_FILES = _knowledge.FILE_NAMES + _knowledge.OPTIONAL_FILES
"""The files of a knowledge folder (cases.yaml is optional)."""
bundled_folder = _knowledge.bundled_folder

_bundled: Knowledge | None = None


def load_knowledge(path: str | os.PathLike[str] | None = None) -> Knowledge:
    """Load a knowledge folder laid out like the bundled ``data/`` (``None``: the bundled one).

    The bundled knowledge is compiled once per process and then reused. A folder is checked
    in full each time; ``backmassage.KnowledgeError`` lists every problem when it is not valid.
    """
    global _bundled
    if path is not None:
        return _knowledge.load_knowledge(path)
    if _bundled is None:
        _bundled = _knowledge.load_knowledge(None)
    return _bundled


def validate_knowledge(folder: str | os.PathLike[str]) -> tuple[Knowledge | None, list[str], list[str]]:
    """Check a folder in full (``kb validate``): its compiled knowledge (None when not valid), every
    problem and every warning, each ``FOLDER/file:line: path: message``."""
    from pathlib import Path

    return _knowledge.validate_folder(Path(folder))


def knowledge_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the knowledge files, for editors (``kb schema``)."""
    from backmassage.schema import json_schema

    return json_schema()


def parse_answers(knowledge: Knowledge | None = None, *, require_location: bool = True, **raw: Any) -> Answers:
    """Check raw answers (the keys of ``recommend``) against the knowledge's words.

    Raises ``InvalidAnswer`` for the first wrong answer; its ``errors`` lists every one.
    """
    knowledge = knowledge or load_knowledge()
    unknown = [name for name in raw if name not in ANSWER_NAMES]
    if unknown:
        raise TypeError(f"parse_answers: unknown answer {unknown[0]!r}")
    return _parse(knowledge.vocabulary.words, require_location=require_location, **raw)


def recommend(
    location: str | None = None,
    cause: str | None = None,
    symptoms: Iterable[str] | str | None = None,
    history: Iterable[str] | str | None = None,
    duration: str | None = None,
    age: int | str | None = None,
    pressure: str | None = None,
    screened: bool = False,
    unsure: Iterable[str] | str | None = None,
    knowledge: Knowledge | None = None,
) -> Recommendation:
    """Recommend a massage, or a doctor first, for one person's answers.

    Values are those of SPEC section 1, as people write them (case, spaces and the
    knowledge's synonyms do not matter); ``symptoms``, ``history`` and ``unsure`` take a list
    or comma-separated text. ``location`` is required; any other answer left out counts as
    unknown. ``screened=True`` says the person was asked every warning-sign question, so a
    warning sign not given is a "no"; without it, those signs are reported as not asked.
    ``knowledge=None`` uses the bundled knowledge.

    Returns a ``Recommendation``; ``rec.to_dict()`` is exactly the JSON object of SPEC
    section 4 (what ``backmassage recommend --json`` prints). Raises
    ``backmassage.InvalidAnswer`` (a ``ValueError``) naming the wrong answer and the valid values.

        >>> recommend(location="lower", cause="lifting", duration="3d", screened=True).triage
        'massage'
    """
    knowledge = knowledge or load_knowledge()
    answers = parse_answers(knowledge, location=location, cause=cause, symptoms=_as_list(symptoms),
                            history=_as_list(history), duration=duration, age=age, pressure=pressure,
                            screened=screened, unsure=_as_list(unsure))
    return engine.recommend(answers, knowledge)


def recommend_answers(answers: Answers, knowledge: Knowledge | None = None) -> Recommendation:
    """The recommendation for answers already checked by ``parse_answers``."""
    return engine.recommend(answers, knowledge or load_knowledge())


def warning_signs_to_ask(answers: Answers, knowledge: Knowledge | None = None) -> tuple[str, ...]:
    """The warning signs whose question applies to these answers and that they do not answer yet."""
    return engine.warning_signs_not_answered(answers, knowledge or load_knowledge())


@overload
def recommend_many(rows: Iterable[Mapping[str, Any]], knowledge: Knowledge | None = None, *,
                   with_rows: Literal[False] = False) -> Iterator[Recommendation | InvalidAnswer]: ...


@overload
def recommend_many(rows: Iterable[Mapping[str, Any]], knowledge: Knowledge | None = None, *,
                   with_rows: Literal[True]) -> Iterator[tuple[Mapping[str, Any], Recommendation | InvalidAnswer]]: ...


def recommend_many(rows: Iterable[Mapping[str, Any]], knowledge: Knowledge | None = None, *,
                   with_rows: bool = False) -> Iterator[Any]:
    """Recommend for each row, lazily and in order: one result per row, never more, never fewer.

    Each row is a mapping with the keys of ``recommend`` (``location``, ``cause``,
    ``symptoms``, ``history``, ``duration``, ``age``, ``pressure``, ``screened``, ``unsure``);
    other keys, such as an ``id``, are ignored, but a key that is a near miss of an answer
    name (``symptom``, ``ages``) is an error of that row. A row with wrong answers yields its
    ``InvalidAnswer`` (whose ``errors`` lists every problem of the row) instead of stopping
    the stream. ``with_rows=True`` yields ``(row, result)`` pairs, so a generator of rows is
    read once and each result stays with its row::

        for row, result in recommend_many(read_rows(), with_rows=True):
            if isinstance(result, InvalidAnswer): ...

    Rows are read one at a time as results are taken, so memory stays flat however many rows
    there are. A row that is not a mapping raises ``TypeError``. Each result is exactly that
    of ``recommend`` for the row alone: nothing is kept from one row to the next.
    """
    for row in rows:
        if not isinstance(row, Mapping):
            raise TypeError(f"recommend_many: each row must be a mapping of answers, not {type(row).__name__}")
        if knowledge is None:
            knowledge = load_knowledge()
        result = recommend_row(row, knowledge)
        yield (row, result) if with_rows else result


def recommend_row(row: Mapping[str, Any], knowledge: Knowledge) -> Recommendation | InvalidAnswer:
    """One row of ``recommend_many``: its recommendation, or an ``InvalidAnswer`` with every problem."""
    near_misses = [_near_miss(key) for key in row if key not in ANSWER_NAMES]
    errors = [error for error in near_misses if error is not None]
    try:
        answers = _parse(knowledge.vocabulary.words, **{name: _as_list(row[name]) for name in ANSWER_NAMES
                                                        if name in row})
    except InvalidAnswer as error:
        errors += error.errors
    if errors:
        first = errors[0]
        first.errors = tuple(errors)
        return first
    return engine.recommend(answers, knowledge)


def _near_miss(key: object) -> InvalidAnswer | None:
    """An unknown key close to an answer name (``symptom`` for ``symptoms``); None for other keys."""
    if not isinstance(key, str):
        return None
    close = suggest(key.strip(), ANSWER_NAMES, cutoff=0.8)  # stricter than for values: other keys pass
    if not close:
        return None
    return InvalidAnswer(key, "", ANSWER_NAMES, message=f"unknown answer {key[:40]!r}: did you mean {close!r}?")


def _as_list(values: Any) -> Any:
    """parse_answers takes text, a list or a tuple; any other iterable (a set, a generator) becomes
    a list. A mapping stays as it is, and is refused: its keys are no list of answers
    ({"saddle-numbness": false} is not a yes)."""
    if values is None or isinstance(values, (str, list, tuple, bool, int, float, Mapping)):
        return values
    try:
        return list(values)
    except TypeError:
        return values  # not iterable: parse_answers refuses it with an InvalidAnswer


class CaseResult(NamedTuple):
    """One clinical case of the knowledge's cases.yaml, run: ``problems`` is empty when it passes."""

    id: str
    problems: tuple[str, ...]
    recommendation: Recommendation | None


def run_cases(knowledge: Knowledge | None = None) -> list[CaseResult]:
    """Run the knowledge's own clinical cases (SPEC section 7 ``kb test``)."""
    knowledge = knowledge or load_knowledge()
    results = []
    for case in knowledge.cases:
        try:
            rec = recommend(**case["answers"], knowledge=knowledge)
        except (InvalidAnswer, TypeError) as error:
            results.append(CaseResult(case["id"], (f"its answers are not valid: {error}",), None))
            continue
        results.append(CaseResult(case["id"], tuple(_case_problems(case["expect"], rec)), rec))
    return results


def _case_problems(expect: Mapping[str, Any], rec: Recommendation) -> Iterator[str]:
    listed = [t.id for t in rec.techniques]
    if "triage" in expect and rec.triage != expect["triage"]:
        yield f"triage is {rec.triage!r}, expected {expect['triage']!r}"
    for tid in expect.get("techniques_barred", ()):
        if tid in listed:
            yield f"{tid!r} is listed, but the case bars it"
    for tid in expect.get("techniques_allowed", ()):
        if tid not in listed:
            yield f"{tid!r} is not listed, but the case expects it"
    if "condition" in expect:
        found = rec.condition.id if rec.condition else None
        if found != expect["condition"]:
            yield f"condition is {found!r}, expected {expect['condition']!r}"
