"""The small expression language of the knowledge files (docs/knowledge.md, "Expressions").

An expression is checked against a person's answers (and, for safety rules, the condition
that fits them best). Each one can also say, in plain words, which answers made it hold:
that is what the explanation of a recommendation is built from.
"""

from typing import Any, NamedTuple, Protocol
from backmassage.answers import Answers
from backmassage.records import Record
from backmassage.vocabulary import CHOICES


class Context(NamedTuple):
    """What an expression is checked against; build it with ``context()``."""

    answers: Answers
    atoms: frozenset[str]  # "location:lower", "symptoms:spasm"...: see atoms_of
    condition_id: str | None = None
    condition_name: str | None = None
    bits: int = 0  # the answers as bits, for memo.RememberingSteps


def atoms_of(answers: Answers) -> frozenset[str]:
    """The person's choice answers as one set, so that a choice expression is one set test."""
    atoms = [f"location:{answers.location}", f"cause:{answers.cause}"]
    atoms += [f"symptoms:{value}" for value in answers.symptoms]
    atoms += [f"history:{value}" for value in answers.history]
    return frozenset(atoms)


def context(answers: Answers, condition_id: str | None = None, condition_name: str | None = None) -> Context:
    return Context(answers, atoms_of(answers), condition_id, condition_name)


class Expression(Protocol):
    def holds(self, ctx: Context) -> bool: ...

    def because(self, ctx: Context) -> list[str]:
        """Plain-words facts from the answers that make this expression hold."""
        ...


def _fact(answer: str, value: str) -> str:
    return f"{CHOICES[answer][value]} ({answer}: {value})"


class AnswerIn(Record):
    """location, cause, symptoms or history: the person gave at least one of ``values``."""

    __slots__ = ("answer", "values", "atoms")

    def __init__(self, answer: str, values: frozenset[str]):
        self.answer = answer
        self.values = values
        self.atoms = frozenset(f"{answer}:{value}" for value in values)

    def holds(self, ctx: Context) -> bool:
        return not self.atoms.isdisjoint(ctx.atoms)

    def because(self, ctx: Context) -> list[str]:
        given = getattr(ctx.answers, self.answer)  # one value (location, cause) or a tuple
        values = (given,) if isinstance(given, str) else given or ()
        return [_fact(self.answer, value) for value in values if value in self.values]


class InRange(Record):
    """duration (in days) / age: known and within inclusive bounds."""

    __slots__ = ("answer", "low", "high")

    def __init__(self, answer: str, low: int | None, high: int | None):
        self.answer = answer
        self.low = low
        self.high = high

    def _value(self, ctx: Context) -> int | None:
        return ctx.answers.duration_days if self.answer == "duration" else ctx.answers.age

    def holds(self, ctx: Context) -> bool:
        value = self._value(ctx)
        return (value is not None and (self.low is None or value >= self.low)
                and (self.high is None or value <= self.high))

    def because(self, ctx: Context) -> list[str]:
        if not self.holds(ctx):
            return []
        if self.answer == "age":
            return [f"age {ctx.answers.age} (age: {_bounds(self.low, self.high, '')})"]
        return [f"pain for {describe_days(ctx.answers.duration_days or 0)} "
                f"(duration: {_bounds(self.low, self.high, 'days')})"]

    def because_not(self, ctx: Context) -> str:
        """Why the range does *not* hold: the answer is missing, or outside it."""
        value = self._value(ctx)
        if value is None:
            return "you did not say how long it has lasted" if self.answer == "duration" else "you did not give your age"
        if self.answer == "age":
            return f"age {value} (age: not {_bounds(self.low, self.high, '')})"
        return f"pain for {describe_days(value)} (duration: not {_bounds(self.low, self.high, 'days')})"


class BestCondition(Record):
    __slots__ = ("ids",)

    def __init__(self, ids: frozenset[str]):
        self.ids = ids

    def holds(self, ctx: Context) -> bool:
        return ctx.condition_id in self.ids

    def because(self, ctx: Context) -> list[str]:
        return [f"your answers fit {ctx.condition_name} (condition: {ctx.condition_id})"] if self.holds(ctx) else []


class All(Record):
    __slots__ = ("parts",)

    def __init__(self, parts: tuple[Expression, ...]):
        self.parts = parts

    def holds(self, ctx: Context) -> bool:
        for part in self.parts:
            if not part.holds(ctx):
                return False
        return True

    def because(self, ctx: Context) -> list[str]:
        return _unique(fact for part in self.parts for fact in part.because(ctx)) if self.holds(ctx) else []


class Any_(Record):
    __slots__ = ("parts",)

    def __init__(self, parts: tuple[Expression, ...]):
        self.parts = parts

    def holds(self, ctx: Context) -> bool:
        for part in self.parts:
            if part.holds(ctx):
                return True
        return False

    def because(self, ctx: Context) -> list[str]:
        return _unique(fact for part in self.parts for fact in part.because(ctx))


class Not(Record):
    __slots__ = ("part", "wording")

    def __init__(self, part: Expression, wording: str):
        self.part = part
        self.wording = wording

    def holds(self, ctx: Context) -> bool:
        return not self.part.holds(ctx)

    def because(self, ctx: Context) -> list[str]:
        if not self.holds(ctx):
            return []
        return [self.part.because_not(ctx)] if isinstance(self.part, InRange) else [self.wording]


def compile_expression(data: dict[str, Any]) -> Expression:
    """Build an expression from its validated data (a mapping of keys that must all hold)."""
    parts = [_compile_key(key, value) for key, value in data.items() if key != "weight"]
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def _compile_key(key: str, value: Any) -> Expression:
    if key in ("location", "cause", "symptom", "history"):
        return AnswerIn("symptoms" if key == "symptom" else key, frozenset(value))
    if key in ("duration", "age"):
        return InRange(key, value.get("min"), value.get("max"))
    if key == "condition":
        return BestCondition(frozenset(value))
    if key in ("all", "any"):
        parts = tuple(compile_expression(item) for item in value)
        return All(parts) if key == "all" else Any_(parts)
    if key == "not":
        return Not(compile_expression(value), _negated(value))
    raise ValueError(f"unknown expression key {key!r}")  # the schema rules this out


def _negated(data: dict[str, Any]) -> str:
    """'no shooting-pain or tingling (symptom)' for a plain list; otherwise 'not (...)'."""
    if len(data) == 1:
        (key, values), = data.items()
        if key in ("symptom", "history", "location", "cause"):
            return f"no {' or '.join(values)} ({key})"
    return f"not ({describe(data)})"


def describe(data: dict[str, Any]) -> str:
    """A requirement in words, e.g. {'history': ['fibromyalgia']} -> 'history: fibromyalgia'."""
    words = []
    for key, value in data.items():
        if key in ("duration", "age"):
            words.append(f"{key}: {_bounds(value.get('min'), value.get('max'), 'days' if key == 'duration' else '')}")
        elif key in ("all", "any"):
            words.append(f"{key} of ({'; '.join(describe(item) for item in value)})")
        elif key == "not":
            words.append(f"not {describe(value)}")
        elif key != "weight":
            words.append(f"{key}: {' or '.join(value)}")
    return ", ".join(words)


def _bounds(low: int | None, high: int | None, unit: str) -> str:
    """'at most 12 weeks' for durations (given in days), 'at least 65' for ages."""
    def say(value: int) -> str:
        return describe_days(value) if unit else str(value)

    if low is not None and high is not None:
        return f"{say(low)} to {say(high)}"
    if low is not None:
        return f"at least {say(low)}"
    assert high is not None, "a range has a min, a max or both (the schema says so)"
    return f"at most {say(high)}"


def describe_days(days: int) -> str:
    """21 -> '3 weeks', 60 -> '2 months', 10 -> '10 days'."""
    for size, unit in ((30, "month"), (7, "week"), (1, "day")):
        if days >= size and days % size == 0:
            count = days // size
            return f"{count} {unit}{'s' * (count != 1)}"
    return f"{days} days"


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(items))
