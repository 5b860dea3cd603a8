"""The engine's steps, remembered: for batches, where the same pieces come back row after row.

Each step of ``engine.Steps`` looks at only part of the answers: a condition's score at the
answer values its evidence names and at which of its duration and age ranges hold; the
safety rules at theirs and at the best condition. ``RememberingSteps`` gives every answer
value and every range the knowledge tests one bit, so that what a step looks at is the
person's bits masked with the step's own, and remembers each step's result under that key.
Wording that prints a number (an age, a duration) also keys on the number. So the results
are exactly those of ``engine.Steps``; tests/test_api.py checks this on generated answers
and a generated knowledge.

Memory stays flat: each memory holds at most ``LIMIT`` results and forgets the older half when full.
"""

import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

from backmassage import expressions as ex
from backmassage.answers import Answers
from backmassage.engine import Advice, Fired, Scored, Steps, by_score
from backmassage.expressions import Context, Expression, atoms_of
from backmassage.knowledge import Condition, Knowledge
from backmassage.memory import Memory

LIMIT = 10_000  # entries per memory
_UNKNOWN = object()


class Reads(NamedTuple):
    """What an expression looks at: answer bits, and whether its wording prints the age, the
    duration or the best condition."""

    bits: int
    age: bool
    duration: bool
    condition: bool

    def __or__(self, other: "Reads") -> "Reads":  # type: ignore[override]
        return Reads(self.bits | other.bits, self.age or other.age, self.duration or other.duration,
                     self.condition or other.condition)


NOTHING = Reads(0, False, False, False)


def _shared(sentences: Sequence[str]) -> tuple[str, ...]:
    """Sentences as one shared copy each: remembered explanations repeat the same sentences."""
    return tuple(map(sys.intern, sentences))


class KnownCondition(NamedTuple):
    condition: Condition
    scored: Reads  # what its score reads: its requires and its evidence
    explained: Reads  # what its facts read: its evidence
    scores: Memory


class RememberingSteps(Steps):
    """``engine.Steps`` that remember their results, keyed on exactly what each step reads.

    One per knowledge, and one per thread: the memories are not locked.
    """

    def __init__(self, knowledge: Knowledge):
        super().__init__(knowledge)
        self._atom_bits: dict[str, int] = {}
        self._range_bits: dict[tuple[str, int | None, int | None], int] = {}
        self._reads: dict[int, tuple[Any, Reads]] = {}  # id(expression) -> (expression, what it reads)
        self._values = Memory(LIMIT)  # (answer, value) -> its bits
        rules = knowledge.red_flags + knowledge.contraindications
        self._rules = NOTHING
        for rule in rules:
            self._rules |= self.reads(rule.when)
        self._conditions: dict[int, KnownCondition] = {}
        for condition in knowledge.conditions:
            scored = self.reads(condition.requires) if condition.requires is not None else NOTHING
            explained = NOTHING
            for evidence in condition.evidence:
                explained |= self.reads(evidence.expression)
            self._conditions[id(condition)] = KnownCondition(condition, scored | explained, explained, Memory(LIMIT))
        self._scoring = list(self._conditions.values())
        self._fired = Memory(LIMIT)
        self._advice = Memory(LIMIT)
        self._because = Memory(LIMIT)
        self._said = Memory(LIMIT)
        self._fired_reads = Memory(LIMIT)
        self._fired_sets = Memory(LIMIT)

    # --- bits --------------------------------------------------------------------------------

    def reads(self, expression: Expression) -> Reads:
        """What an expression reads, giving a bit to each answer value and range it tests."""
        known = self._reads.get(id(expression))
        if known is not None:
            return known[1]
        kind = type(expression)
        if kind is ex.AnswerIn:
            bits = 0
            for atom in expression.atoms:  # type: ignore[attr-defined]
                bits |= self._atom_bits.setdefault(atom, 1 << (len(self._atom_bits) + len(self._range_bits)))
            reads = Reads(bits, False, False, False)
        elif kind is ex.InRange:
            key = (expression.answer, expression.low, expression.high)  # type: ignore[attr-defined]
            bit = self._range_bits.setdefault(key, 1 << (len(self._atom_bits) + len(self._range_bits)))
            reads = Reads(bit, key[0] == "age", key[0] == "duration", False)
        elif kind is ex.BestCondition:
            reads = Reads(0, False, False, True)
        elif kind in (ex.All, ex.Any_):
            reads = NOTHING
            for part in expression.parts:  # type: ignore[attr-defined]
                reads |= self.reads(part)
        elif kind is ex.Not:
            reads = self.reads(expression.part)  # type: ignore[attr-defined]
        else:
            raise TypeError(f"cannot tell what a {kind.__name__} reads")
        self._reads[id(expression)] = (expression, reads)  # keeps it alive, so the id stays its own
        return reads

    def context(self, answers: Answers) -> Context:
        """The answers as bits; the atoms, which only a step worked out afresh needs, come later."""
        values = self._values
        bits = 0
        for key in (("location", answers.location), ("cause", answers.cause), ("symptoms", answers.symptoms),
                    ("history", answers.history), ("age", answers.age), ("duration", answers.duration_days)):
            known = values.get(key)
            bits |= self._bits_of(*key) if known is None else known
        return Context(answers, None, bits=bits)  # type: ignore[arg-type]  # no atoms yet: see _full

    def _bits_of(self, answer: str, value: Any) -> int:
        """The bits of one answer: its values, or the ranges (of ages, of durations) it falls in."""
        if answer in ("age", "duration"):
            bits = self._ranges(answer, value)
        else:
            bits = 0
            for item in (value,) if isinstance(value, str) else value or ():
                bits |= self._atom_bits.get(f"{answer}:{item}", 0)
        return self._values.keep((answer, value), bits)  # type: ignore[no-any-return]

    def _ranges(self, answer: str, value: int | None) -> int:
        bits = 0
        if value is not None:
            for (name, low, high), bit in self._range_bits.items():
                if name == answer and (low is None or value >= low) and (high is None or value <= high):
                    bits |= bit
        return bits

    @staticmethod
    def _full(ctx: Context) -> Context:
        """The context with its atoms, for a step worked out afresh (a remembered one needs only bits)."""
        return ctx._replace(atoms=atoms_of(ctx.answers)) if ctx.atoms is None else ctx

    def _key(self, reads: Reads, ctx: Context) -> tuple[Any, ...]:
        answers = ctx.answers
        return (ctx.bits & reads.bits, answers.age if reads.age else None,
                answers.duration_days if reads.duration else None, ctx.condition_id if reads.condition else None)

    # --- the steps, remembered ---------------------------------------------------------------

    def rank(self, ctx: Context, conditions: Sequence[Condition]) -> list[Scored]:
        known = self._known(conditions)
        if known is None:  # not this knowledge's conditions: nothing to recall
            return super().rank(self._full(ctx), conditions)
        min_score = self.knowledge.min_score
        bits = ctx.bits
        named = []
        for condition, reads, _, scores in known:
            key = bits & reads.bits
            value = scores.get(key)
            if value is None:
                value = scores.keep(key, super().score(condition, self._full(ctx)))
            if value > 0 and value >= min_score:
                named.append(Scored(condition, value))
        named.sort(key=by_score)
        return named

    def _known(self, conditions: Sequence[Condition]) -> Sequence[KnownCondition] | None:
        """What is known of these conditions (all of the knowledge's, or a narrowed few), in order."""
        if conditions is self.knowledge.conditions:
            return self._scoring
        found = []
        for condition in conditions:
            known = self._conditions.get(id(condition))
            if known is None or known.condition is not condition:
                return None
            found.append(known)
        return found

    def fired(self, ctx: Context) -> Fired:
        key = (ctx.bits & self._rules.bits, ctx.condition_id if self._rules.condition else None)
        value = self._fired.get(key)
        if value is None:
            value = self._fired.keep(key, self._one_of_each(super().fired(self._full(ctx))))
        return value

    def _one_of_each(self, fired: Fired) -> Fired:
        """Equal sets of fired rules as one object, so the later steps can key on its identity."""
        key = tuple(map(id, fired.red_flags)), tuple(map(id, fired.contraindications))
        same = self._fired_sets.get(key)
        if same is None:
            same = self._fired_sets.keep(key, fired)
        return same

    def advice(self, best: Condition | None, fired: Fired, pressure: str | None) -> Advice:
        key = (id(best), id(fired), pressure)
        known = self._advice.recall(key, fired)
        if known is None:
            advice = super().advice(best, fired, pressure)
            known = self._advice.keep_for(key, fired, advice._replace(
                technique_sentences=_shared(advice.technique_sentences)))
        return known  # type: ignore[no-any-return]

    def explain_rules(self, fired: Fired, advice: Advice, ctx: Context) -> tuple[tuple[str, ...], tuple[str, ...]]:
        reads = self._fired_reads.recall(id(fired), fired)
        if reads is None:
            reads = self._fired_reads.keep_for(id(fired), fired, self._reads_of(fired))
        key = (id(fired), *self._key(reads, ctx))
        known = self._said.recall(key, fired)
        if known is None:
            triage_said, avoid_said = super().explain_rules(fired, advice, self._full(ctx))
            known = self._said.keep_for(key, fired, (_shared(triage_said), _shared(avoid_said)))
        return known  # type: ignore[no-any-return]

    def _reads_of(self, fired: Fired) -> Reads:
        reads = NOTHING
        for rule in fired.red_flags + fired.contraindications:
            reads |= self.reads(rule.when)
        return reads

    def explain_condition(self, named: Sequence[Scored], ctx: Context) -> tuple[str, ...]:
        if not named:
            return super().explain_condition(named, ctx)
        best = self._conditions.get(id(named[0].condition))
        if best is None or best.condition is not named[0].condition:
            return super().explain_condition(named, self._full(ctx))
        key = (tuple([(id(s.condition), s.score) for s in named]), *self._key(best.explained, ctx))
        known = self._said.get(key)
        if known is None:
            known = self._said.keep(key, _shared(super().explain_condition(named, self._full(ctx))))
        return known  # type: ignore[no-any-return]

    def because(self, expression: Expression, ctx: Context) -> Sequence[str]:
        key = (id(expression), *self._key(self.reads(expression), ctx))
        value = self._because.get(key, _UNKNOWN)
        if value is _UNKNOWN:
            value = self._because.keep(key, _shared(super().because(expression, self._full(ctx))))
        return value  # type: ignore[no-any-return]

    def facts(self, condition: Condition, ctx: Context) -> tuple[str, ...]:
        known = self._conditions.get(id(condition))
        if known is None or known.condition is not condition:
            return super().facts(condition, self._full(ctx))
        key = (id(condition), "facts", *self._key(known.explained, ctx))
        value = self._because.get(key, _UNKNOWN)
        if value is _UNKNOWN:
            value = self._because.keep(key, _shared(super().facts(condition, self._full(ctx))))
        return value  # type: ignore[no-any-return]
