"""The Python API (SPEC section 5): one person with ``recommend``, many with ``recommend_many``.

    >>> from backmassage import recommend, InvalidAnswer
    >>> rec = recommend(location="lower", cause="lifting", symptoms=["spasm"], duration="3d", age=40)
    >>> rec.triage in ("massage", "see-clinician", "urgent", "emergency")
    True
    >>> sorted(rec.to_dict())[:3]
    ['alternatives', 'avoid', 'cautions']
    >>> try:
    ...     recommend(location="hip")
    ... except InvalidAnswer as error:
    ...     print(error.answer, "|", error.valid)
    location | lower, upper, neck, widespread

Everything here is pure: no printing, no terminal, no files except the knowledge folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from backmassage import engine
from backmassage import expressions as ex
from backmassage.answers import Answers, parse_answers
from backmassage.expressions import atoms_of
from backmassage.errors import InvalidAnswer
from backmassage.knowledge import Condition, Knowledge
from backmassage.knowledge import load_knowledge as _load_knowledge
from backmassage.model import Recommendation

__all__ = ["ANSWER_NAMES", "load_knowledge", "recommend", "recommend_many"]

ANSWER_NAMES = ("location", "cause", "symptoms", "history", "duration", "age", "pressure")
"""The keys ``recommend_many`` reads from each row (SPEC section 1); other keys are ignored."""

_bundled: Knowledge | None = None


def load_knowledge(path: str | os.PathLike[str] | None = None) -> Knowledge:
    """Load a knowledge folder laid out like the bundled ``data/`` (``None``: the bundled one).

    The bundled knowledge is loaded once per process and then reused. A folder is checked
    in full; ``backmassage.KnowledgeError`` lists every problem when it is not valid.
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
    """Recommend a massage, or a doctor first, for one person's answers.

    Values are those of SPEC section 1 and case-insensitive; ``symptoms`` and ``history``
    take a list or comma-separated text. ``location`` is required; any other answer left
    out counts as unknown. ``knowledge=None`` uses the bundled knowledge.

    Returns a ``Recommendation``; ``rec.to_dict()`` is exactly the JSON object of SPEC
    section 4 (what ``backmassage recommend --json`` prints).

    Raises ``backmassage.InvalidAnswer``, a ``ValueError`` whose ``answer`` names the wrong
    answer, ``value`` is what was given and ``valid`` lists the valid values.

        >>> recommend(location="lower", cause="lifting", duration="3d").triage
        'massage'
    """
    answers = parse_answers(
        location=location, cause=cause, symptoms=_as_list(symptoms), history=_as_list(history),
        duration=duration, age=age, pressure=pressure,
    )
    return engine.recommend(answers, load_knowledge() if knowledge is None else knowledge)


def recommend_many(
    rows: Iterable[Mapping[str, Any]], knowledge: Knowledge | None = None
) -> Iterator[Recommendation | InvalidAnswer]:
    """Recommend for each row, lazily and in order: one result per row, never more, never fewer.

    Each row is a mapping with the keys of ``recommend`` (``location``, ``cause``,
    ``symptoms``, ``history``, ``duration``, ``age``, ``pressure``); other keys, such as an
    ``id``, are ignored. A row with a wrong answer yields its ``InvalidAnswer`` instead of
    stopping the stream, so results stay aligned with rows::

        for row, result in zip(rows, recommend_many(rows)):
            if isinstance(result, InvalidAnswer): ...

    Rows are read one at a time as results are taken (a generator in, a generator out), so
    memory stays flat however many rows there are. The knowledge is loaded at the first row.
    A row that is not a mapping raises ``TypeError``. The results are exactly those of
    ``recommend`` for each row, computed faster for many rows (see ``Recommender``).
    """
    recommender: Recommender | None = None
    for row in rows:
        if not isinstance(row, Mapping):
            raise TypeError(f"recommend_many: each row must be a mapping of answers, not {type(row).__name__}")
        if recommender is None:
            recommender = Recommender(load_knowledge() if knowledge is None else knowledge)
        try:
            answers = parse_answers(**{name: _as_list(row[name]) if name in ("symptoms", "history") else row[name]
                                       for name in ANSWER_NAMES if name in row})
        except InvalidAnswer as error:
            yield error
            continue
        yield recommender(answers)


def _as_list(values: Iterable[str] | str | None) -> Any:
    """parse_answers takes text, a list or a tuple; any other iterable (a set, a generator) becomes a list."""
    if values is None or isinstance(values, (str, list, tuple)):
        return values
    try:
        return list(values)
    except TypeError:
        return values  # not iterable: parse_answers refuses it with an InvalidAnswer


# --- many rows: score only the conditions the answers can touch ----------------------------
#
# engine.recommend scores every condition. Only conditions scoring above 0 change its result:
# a condition at 0 is never named, and the rest keep their order. So asking the engine to score
# only the conditions that *could* score above 0, in their original order, gives exactly the
# same recommendation, with much less work when there are many conditions.
#
# Which conditions could? Every expression has necessary conditions in "clause" form: a set of
# answer values at least one of which the person must have given ({symptom: [fever]} needs
# "symptoms:fever", the expression's own atoms; {age: {min: 50}} needs an age at all, "age:*"). A condition is a candidate only
# when each clause of its ``requires`` meets the person's answers, and the clause of at least
# one item of its evidence does. Expressions with no such condition (not, anything unknown)
# add no clause, which only ever keeps more candidates.
#
# The safety rules are never narrowed: the engine checks every red flag and contraindication
# for every person. (Narrowing them too measured 12% faster on the bundled knowledge; a
# shortcut on the red-flag path is not worth that.) tests/test_api.py checks the equivalence
# with engine.recommend on generated answers and on a generated knowledge.

_Atom = str  # "symptoms:fever", as expressions.atoms_of; "age:*": an age was given
_Clause = frozenset[_Atom]
NARROW_FROM = 50  # conditions; the bundled knowledge has a few, and the engine sees all of them
# A rough share of people giving each answer value: an item keeps its rarest clauses.
_SHARE = {"location": 0.25, "cause": 0.15, "symptoms": 0.1, "history": 0.08, "duration": 1.0, "age": 1.0}


def _clauses(expression: Any) -> list[_Clause]:
    """Necessary conditions of an expression: it can hold only if each clause meets the answers."""
    kind = type(expression)
    if kind is ex.AnswerIn:
        return [expression.atoms]
    if kind is ex.InRange:
        return [frozenset({f"{expression.answer}:*"})]
    if kind is ex.All:
        return [clause for part in expression.parts for clause in _clauses(part)]
    if kind is ex.Any_:
        union: _Clause = frozenset()
        for part in expression.parts:
            clauses = _clauses(part)
            if not clauses:
                return []
            union |= min(clauses, key=_cost)
        return [union]
    return []  # not, condition, or a kind this index does not know: no constraint


def _cost(clause: AbstractSet[_Atom]) -> float:
    return sum(_SHARE.get(atom.partition(":")[0], 1.0) for atom in clause)


def _condition_clauses(condition: Any) -> list[_Clause]:
    clauses = _clauses(condition.requires) if condition.requires is not None else []
    evidence = [_clauses(item.expression) for item in condition.evidence]
    if evidence and all(evidence):  # scoring above 0 needs at least one item of evidence to hold
        clauses.append(frozenset().union(*(min(item, key=_cost) for item in evidence)))
    return clauses


def _atoms(answers: Answers) -> set[_Atom]:
    """The person's choice atoms (as the engine sees them), and whether a duration and an age were given."""
    atoms = set(atoms_of(answers))
    if answers.duration_days is not None:
        atoms.add("duration:*")
    if answers.age is not None:
        atoms.add("age:*")
    return atoms


class _Index:
    """Conditions (or any items) and their clauses, as bitmasks.

    Bit ``i`` stands for ``items[i]``. Each item keeps its ``SLOTS`` rarest clauses; for slot ``s``,
    ``table[atom]`` has the bits of the items whose clause ``s`` holds that atom, and ``free`` the
    bits of the items with no clause ``s``. An item is a candidate when, in every slot, one of the
    person's atoms hits its clause: a few big-integer ORs and ANDs per row, whatever the size.
    Dropping clauses beyond ``SLOTS`` only keeps more candidates, never fewer.
    """

    SLOTS = 4

    def __init__(self, items: tuple[Any, ...], clauses_of: Callable[[Any], list[_Clause]]):
        self.items = items
        self.everyone = (1 << len(items)) - 1
        tables: list[dict[_Atom, int]] = [{} for _ in range(self.SLOTS)]
        free = [0] * self.SLOTS
        for position, item in enumerate(items):
            bit = 1 << position
            clauses = sorted(clauses_of(item), key=_cost)[:self.SLOTS]
            for slot, table in enumerate(tables):
                if slot < len(clauses):
                    for atom in clauses[slot]:
                        table[atom] = table.get(atom, 0) | bit
                else:
                    free[slot] |= bit
        self.slots = [(table, free[slot]) for slot, table in enumerate(tables) if free[slot] != self.everyone]

    def candidates(self, atoms: set[_Atom]) -> tuple[Any, ...]:
        """The items whose clauses all meet these atoms, in their original order."""
        mask = self.everyone
        for table, free in self.slots:
            hit = free
            for atom in atoms:
                hit |= table.get(atom, 0)
            mask &= hit
            if not mask:
                return ()
        items = self.items
        found = []
        while mask:
            low = mask & -mask
            found.append(items[low.bit_length() - 1])
            mask ^= low
        return tuple(found)


class Recommender:
    """``engine.recommend`` for many answers against one knowledge, with the same results.

    Calling it with checked ``Answers`` returns exactly ``engine.recommend(answers, knowledge)``.
    With ``narrow`` the engine sees only the conditions the answers can touch (see the comment
    above), found with a bitmask index in a few microseconds; every red flag and
    contraindication is always checked. ``narrow=None`` narrows a knowledge of ``NARROW_FROM``
    conditions or more, where it pays.

    It also remembers the pieces of advice that come back from person to person (see
    ``memo.RememberingSteps``), in bounded memory. Give each thread its own ``Recommender``.
    """

    def __init__(self, knowledge: Knowledge, *, narrow: bool | None = None):
        self.knowledge = knowledge
        self.narrow = len(knowledge.conditions) >= NARROW_FROM if narrow is None else narrow
        if self.narrow:
            self._conditions = _Index(knowledge.conditions, _condition_clauses)
        from backmassage.memo import RememberingSteps  # here: one person's recommend needs none of it

        self._steps = RememberingSteps(knowledge)

    def candidates(self, answers: Answers) -> tuple[Condition, ...]:
        """The conditions these answers can score above 0 with, in the knowledge's order."""
        if not self.narrow:
            return self.knowledge.conditions
        return self._conditions.candidates(_atoms(answers))

    def __call__(self, answers: Answers) -> Recommendation:
        return engine.recommend(answers, self.knowledge, steps=self._steps, conditions=self.candidates(answers))
