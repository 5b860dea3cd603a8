"""The small expression language of the knowledge files (docs/knowledge.md, "Expressions").

Expressions are compiled once, when the knowledge is loaded: every choice value is a bit,
so a choice test is one AND on the person's bits, and every fixed piece of wording (the
facts an expression can name) is built then too. Each expression can also say, in plain
words, which answers made it hold: the explanation of a recommendation is built from that.

``walk`` is the one walker over an expression tree, for every reader (the guided mode,
validation, describing a rule).
"""

# No `from __future__ import annotations`: NamedTuple would compile each string annotation at
# import, a cost every start pays (issue 10).
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, Union

from backmassage.answers import Answers
from backmassage.vocabulary import CHOICES, WARNING_SIGNS

CHOICE_ANSWERS = ("location", "cause", "symptoms", "history", "unsure")
BITS: dict[str, int] = {}
"""'symptoms:fever' -> its bit. Fixed by the vocabulary of SPEC section 1, so built once."""
for _answer in CHOICE_ANSWERS:
    for _value in (WARNING_SIGNS if _answer == "unsure" else CHOICES[_answer]):
        BITS[f"{_answer}:{_value}"] = 1 << len(BITS)


def bits_of(answers: Answers) -> int:
    """The person's choice answers as one integer of bits."""
    bits = 0
    if answers.location:
        bits |= BITS[f"location:{answers.location}"]
    if answers.cause:
        bits |= BITS[f"cause:{answers.cause}"]
    for value in answers.symptoms or ():
        bits |= BITS[f"symptoms:{value}"]
    for value in answers.history or ():
        bits |= BITS[f"history:{value}"]
    for value in answers.unsure:
        bits |= BITS[f"unsure:{value}"]
    return bits


def bits_in(mask: int) -> Iterator[int]:
    """Each bit set in ``mask``, lowest first."""
    while mask:
        bit = mask & -mask
        yield bit
        mask ^= bit


class GateIndex(NamedTuple):
    """Which of a tuple's items (rules or conditions) can hold for a person, from each item's
    ``gates`` (answer bits it needs one of, rarest first): an item is tested only when the person
    has a bit of its two rarest gates. Built at load, so that a person's few bits name the few
    items worth testing."""

    needing: Mapping[int, tuple[int, ...]]  # answer bit -> the places of the items whose rarest gate holds it
    ungated: tuple[int, ...]  # the places of the items with no gate
    second: tuple[int, ...]  # each item's second rarest gate (0: none)

    def candidates(self, bits: int) -> list[int]:
        """The places of the items that can hold for these bits, in order."""
        found = set(self.ungated)
        for bit in bits_in(bits):
            found.update(self.needing.get(bit, ()))
        second = self.second
        return [place for place in sorted(found) if not second[place] or bits & second[place]]


def gate_index(items_gates: Iterable[tuple[int, ...]]) -> GateIndex:
    needing: dict[int, list[int]] = {}
    ungated, second = [], []
    for place, masks in enumerate(items_gates):
        if not masks:
            ungated.append(place)
        for bit in bits_in(masks[0] if masks else 0):
            needing.setdefault(bit, []).append(place)
        second.append(masks[1] if len(masks) > 1 else 0)
    return GateIndex({bit: tuple(places) for bit, places in needing.items()}, tuple(ungated), tuple(second))


class Person(NamedTuple):
    """What an expression is checked against: the answers, as bits, and the best condition."""

    answers: Answers
    bits: int
    condition_id: str | None = None
    condition_name: str | None = None


def person(answers: Answers, implied: Mapping[str, int] | None = None) -> Person:
    """``implied`` adds the bits a value implies (``cause:major-accident`` also means ``cause:accident``)."""
    bits = bits_of(answers)
    for atom, extra in (implied or {}).items():
        if bits & BITS[atom]:
            bits |= extra
    return Person(answers, bits)


class AnswerIn(NamedTuple):
    """location, cause, symptoms, history or unsure: the person gave at least one of ``values``."""

    answer: str
    values: tuple[str, ...]
    mask: int
    facts: tuple[tuple[int, str], ...]  # (bit, "muscle spasm (symptoms: spasm)") for each value
    absent: str  # "you did not report shooting pain (symptoms: shooting-pain)", for `not`

    def holds(self, p: Person) -> bool:
        return bool(p.bits & self.mask)

    def because(self, p: Person) -> list[str]:
        return [fact for bit, fact in self.facts if p.bits & bit]

    def because_not(self, p: Person) -> str:
        return self.absent

    def parts(self) -> "tuple[Expression, ...]":
        return ()


class InRange(NamedTuple):
    """duration (in days) or age: known and within inclusive bounds."""

    answer: str
    low: int | None
    high: int | None

    def value(self, p: Person) -> int | None:
        return p.answers.duration_days if self.answer == "duration" else p.answers.age

    def holds(self, p: Person) -> bool:
        value = self.value(p)
        return value is not None and (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def because(self, p: Person) -> list[str]:
        if not self.holds(p):
            return []
        if self.answer == "age":
            return [f"age {p.answers.age} (age: {bounds(self.low, self.high, '')})"]
        return [f"pain for {describe_days(p.answers.duration_days or 0)} "
                f"(duration: {bounds(self.low, self.high, 'days')})"]

    def because_not(self, p: Person) -> str:
        value = self.value(p)
        if value is None:
            return "you did not say how long it has lasted" if self.answer == "duration" else "you did not give your age"
        if self.answer == "age":
            return f"age {value} (age: {outside(self.low, self.high, '')})"
        return f"pain for {describe_days(value)} (duration: {outside(self.low, self.high, 'days')})"

    def parts(self) -> "tuple[Expression, ...]":
        return ()


class BestCondition(NamedTuple):
    ids: frozenset[str]

    def holds(self, p: Person) -> bool:
        return p.condition_id in self.ids

    def because(self, p: Person) -> list[str]:
        return [f"your answers may fit {p.condition_name} (condition: {p.condition_id})"] if self.holds(p) else []

    def because_not(self, p: Person) -> str:
        return f"your answers do not fit {' or '.join(sorted(self.ids))} (condition)"

    def parts(self) -> "tuple[Expression, ...]":
        return ()


class All(NamedTuple):
    """Every part holds. The choice parts are kept as masks too (``masks``, one per part: each
    needs one of its bits), so most tests are an AND on the bits and no call; ``rest`` are the
    other parts. Build it with ``all_of``."""

    items: tuple["Expression", ...]
    masks: tuple[int, ...]
    rest: tuple["Expression", ...]

    def holds(self, p: Person) -> bool:
        bits = p.bits
        for mask in self.masks:
            if not bits & mask:
                return False
        for part in self.rest:
            if not part.holds(p):
                return False
        return True

    def because(self, p: Person) -> list[str]:
        return unique(fact for part in self.items for fact in part.because(p)) if self.holds(p) else []

    def because_not(self, p: Person) -> str:
        return "not all of: " + "; ".join(part.because_not(p) for part in self.items if not part.holds(p))

    def parts(self) -> "tuple[Expression, ...]":
        return self.items


class Any_(NamedTuple):
    """At least one part holds: one of the choice parts' bits (``mask``), or one of ``rest``.
    Build it with ``any_of``."""

    items: tuple["Expression", ...]
    mask: int
    rest: tuple["Expression", ...]

    def holds(self, p: Person) -> bool:
        if p.bits & self.mask:
            return True
        for part in self.rest:
            if part.holds(p):
                return True
        return False

    def because(self, p: Person) -> list[str]:
        return unique(fact for part in self.items for fact in part.because(p))

    def because_not(self, p: Person) -> str:
        return "none of: " + "; ".join(part.because_not(p) for part in self.items)

    def parts(self) -> "tuple[Expression, ...]":
        return self.items


def all_of(parts: "tuple[Expression, ...]") -> All:
    choices = [part for part in parts if isinstance(part, AnswerIn)]
    return All(parts, tuple(part.mask for part in choices), tuple(p for p in parts if not isinstance(p, AnswerIn)))


def any_of(parts: "tuple[Expression, ...]") -> Any_:
    mask = 0
    for part in parts:
        if isinstance(part, AnswerIn):
            mask |= part.mask
    return Any_(parts, mask, tuple(part for part in parts if not isinstance(part, AnswerIn)))


class Not(NamedTuple):
    part: "Expression"

    def holds(self, p: Person) -> bool:
        return not self.part.holds(p)

    def because(self, p: Person) -> list[str]:
        return [self.part.because_not(p)] if self.holds(p) else []

    def because_not(self, p: Person) -> str:
        return and_list(self.part.because(p))

    def parts(self) -> "tuple[Expression, ...]":
        return (self.part,)


Expression = Union[AnswerIn, InRange, BestCondition, All, Any_, Not]


def walk(expression: Expression) -> Iterator[Expression]:
    """The expression and every expression inside it, depth first."""
    stack = [expression]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.parts()))


def atoms(expression: Expression) -> frozenset[str]:
    """The answers an expression reads: 'symptoms:fever' for choices, 'age:*' for a range."""
    found: set[str] = set()
    for node in walk(expression):
        if isinstance(node, AnswerIn):
            found.update(f"{node.answer}:{value}" for value in node.values)
        elif isinstance(node, InRange):
            found.add(f"{node.answer}:*")
    return frozenset(found)


def gates(expression: Expression) -> tuple[int, ...]:
    """Masks of answer bits such that a person must have a bit of each for the expression to hold,
    rarest first; none for a range, a `not` or the best condition. Exact: they only ever let more
    through."""
    if isinstance(expression, AnswerIn):
        return (expression.mask,)
    if isinstance(expression, All):
        return tuple(sorted({mask for part in expression.items for mask in gates(part)},
                            key=lambda mask: (_commonness(mask), mask)))
    if isinstance(expression, Any_):
        each = [gates(part) for part in expression.items]
        return (_union([masks[0] for masks in each]),) if all(each) else ()
    return ()


_COMMON_FIRST = ("location", "cause", "symptoms", "history", "unsure")


_ANSWER_OF_BIT = [atom.partition(":")[0] for atom in BITS]  # bit number -> its answer


def _commonness(mask: int) -> tuple[int, int]:
    """How often people have one of these bits, roughly: a location is given by everyone, a
    cause by most, one symptom or history item by few, "not sure" by fewer still."""
    answer = _ANSWER_OF_BIT[(mask & -mask).bit_length() - 1]  # the answer of its lowest bit
    return -_COMMON_FIRST.index(answer), mask.bit_count()


def _union(masks: list[int]) -> int:
    union = 0
    for mask in masks:
        union |= mask
    return union


def negated_atoms(expression: Expression) -> frozenset[str]:
    """The choice atoms an expression tests under an odd number of `not`s: their absence counts."""
    found: set[str] = set()

    def visit(node: Expression, negated: bool) -> None:
        if isinstance(node, AnswerIn) and negated:
            found.update(f"{node.answer}:{value}" for value in node.values)
        for part in node.parts():
            visit(part, negated != isinstance(node, Not))

    visit(expression, False)
    return frozenset(found)


Label = Callable[[str, str], str]
"""(answer, value) -> plain words for it."""

KEY_ANSWER = {"location": "location", "cause": "cause", "symptom": "symptoms", "history": "history", "unsure": "unsure"}


def compile_expression(data: Mapping[str, Any], label: Label) -> Expression:
    """Build an expression from its checked data (a mapping of keys that must all hold)."""
    parts = [_compile_key(key, value, label) for key, value in data.items() if key != "weight"]
    return parts[0] if len(parts) == 1 else all_of(tuple(parts))


def _compile_key(key: str, value: Any, label: Label) -> Expression:
    if key in KEY_ANSWER:
        answer = KEY_ANSWER[key]
        values = tuple(value)
        named = "symptoms" if answer == "unsure" else answer
        words = [label(named, v) for v in values]
        facts = tuple((BITS[f"{answer}:{v}"], _fact(answer, v, said)) for v, said in zip(values, words))
        absent = f"you did not report {' or '.join(words)} ({key}: {', '.join(values)})"
        return AnswerIn(answer, values, sum(bit for bit, _ in facts), facts, absent)
    if key in ("duration", "age"):
        return InRange(key, value.get("min"), value.get("max"))
    if key == "condition":
        return BestCondition(frozenset(value))
    if key in ("all", "any"):
        parts = tuple(compile_expression(item, label) for item in value)
        return all_of(parts) if key == "all" else any_of(parts)
    if key == "not":
        return Not(compile_expression(value, label))
    raise ValueError(f"unknown expression key {key!r}")  # the schema rules this out


def _fact(answer: str, value: str, words: str) -> str:
    if answer == "unsure":
        return f"not sure about {words} (unsure: {value})"
    return f"{words} ({answer}: {value})"


def describe(data: Mapping[str, Any]) -> str:
    """A requirement in words, e.g. {'history': ['fibromyalgia']} -> 'history: fibromyalgia'."""
    words = []
    for key, value in data.items():
        if key in ("duration", "age"):
            words.append(f"{key}: {bounds(value.get('min'), value.get('max'), 'days' if key == 'duration' else '')}")
        elif key in ("all", "any"):
            words.append(f"{key} of ({'; '.join(describe(item) for item in value)})")
        elif key == "not":
            words.append(f"not {describe(value)}")
        elif key != "weight":
            words.append(f"{key}: {' or '.join(value)}")
    return ", ".join(words)


def bounds(low: int | None, high: int | None, unit: str) -> str:
    """'at most 12 weeks' for durations (given in days), 'at least 65' for ages."""
    def say(value: int) -> str:
        return describe_days(value) if unit else str(value)

    if low is not None and high is not None:
        return f"{say(low)} to {say(high)}"
    if low is not None:
        return f"at least {say(low)}"
    assert high is not None, "a range has a min, a max or both (the schema says so)"
    return f"at most {say(high)}"


def outside(low: int | None, high: int | None, unit: str) -> str:
    """'under 3 months' where the range is 'at least 3 months': why a range does not hold."""
    def say(value: int) -> str:
        return describe_days(value) if unit else str(value)

    if low is not None and high is not None:
        return f"not {say(low)} to {say(high)}"
    return f"under {say(low)}" if low is not None else f"over {say(high or 0)}"


def describe_days(days: int) -> str:
    """21 -> '3 weeks', 60 -> '2 months', 10 -> '10 days'."""
    for size, unit in ((365, "year"), (30, "month"), (7, "week"), (1, "day")):
        if days >= size and days % size == 0:
            count = days // size
            return f"{count} {unit}{'s' * (count != 1)}"
    return f"{days} days"


def and_list(items: Sequence[str]) -> str:
    """'a, b and c'; "your answers" for none."""
    if not items:
        return "your answers"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def unique(items: Iterable[str]) -> list[str]:
    """The items in their first order, each once."""
    return list(dict.fromkeys(items))
