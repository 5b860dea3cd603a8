"""A person's answers, checked against the vocabulary of SPEC section 1."""

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from backmassage.errors import InvalidAnswer
from backmassage.memory import Memory
from backmassage.vocabulary import AGE_RANGE, CHOICES, DURATION_UNITS, FLAGS

_MAX_DURATION_DAYS = 100 * 365
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([a-z]*)\s*$")
_UNIT_WORDS = {
    "d": "d", "day": "d", "days": "d",
    "w": "w", "wk": "w", "wks": "w", "week": "w", "weeks": "w",
    "m": "m", "mo": "m", "mos": "m", "month": "m", "months": "m",
}
DURATION_HINT = "a number and a unit, e.g. 2d, 3w or 6m (days, weeks, months)"


class Answers(NamedTuple):
    """Checked answers; ``None`` or an empty tuple means the person did not say."""

    location: str | None = None
    cause: str | None = None
    symptoms: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    duration: str | None = None
    duration_days: int | None = None
    age: int | None = None
    pressure: str | None = None

    def missing(self) -> list[str]:
        """The single answers not given, in question order (an empty list of symptoms is an answer)."""
        given = (("location", self.location), ("cause", self.cause), ("duration", self.duration_days), ("age", self.age))
        return [name for name, value in given if value is None]

    def as_flags(self) -> list[str]:
        """The command-line flags that give these same answers."""
        args: list[str] = []
        for name in ("location", "cause"):
            if getattr(self, name):
                args += [FLAGS[name], getattr(self, name)]
        for name in ("symptoms", "history"):
            if getattr(self, name):
                args += [FLAGS[name], ",".join(getattr(self, name))]
        if self.duration is not None:
            args += [FLAGS["duration"], self.duration]
        if self.age is not None:
            args += [FLAGS["age"], str(self.age)]
        if self.pressure:
            args += [FLAGS["pressure"], self.pressure]
        return args


def parse_answers(
    *,
    location: object = None,
    cause: object = None,
    symptoms: object = None,
    history: object = None,
    duration: object = None,
    age: object = None,
    pressure: object = None,
    require_location: bool = True,
) -> Answers:
    """Check raw answers (strings, lists, numbers) and return them normalised.

    Raises ``InvalidAnswer`` naming the first wrong answer.
    """
    if require_location and (location is None or (isinstance(location, str) and not location.strip())):
        raise InvalidAnswer("location", "", CHOICES["location"], message="location is required. "
                            f"Valid values: {', '.join(CHOICES['location'])}.")
    days, duration_text = parse_duration(duration)
    return Answers(
        location=parse_choice("location", location),
        cause=parse_choice("cause", cause),
        symptoms=parse_many("symptoms", symptoms),
        history=parse_many("history", history),
        duration=duration_text,
        duration_days=days,
        age=parse_age(age),
        pressure=parse_choice("pressure", pressure),
    )


def _remembered(parse: Callable[..., Any]) -> Callable[..., Any]:
    """``parse``, remembering what it returned for each value (its last argument): a batch of
    intake forms gives the same few values row after row. Values other than text are told
    apart by type too (``True`` is not ``1``); a wrong value raises every time and is never
    remembered."""
    memory = Memory(4096)

    @functools.wraps(parse)
    def remembered(*args: Any) -> Any:
        value = args[-1]
        kind = type(value)
        key = args if kind is str else (*args[:-1], tuple(value)) if kind is list else (*args, kind)
        try:
            return memory[key]
        except KeyError:
            pass
        except TypeError:  # not hashable, such as a list of lists: parse refuses it
            return parse(*args)
        return memory.keep(key, parse(*args))

    return remembered


def parse_choice(answer: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidAnswer(answer, value, CHOICES[answer])
    text = value.strip().lower()
    if not text:
        return None
    if text not in CHOICES[answer]:
        raise InvalidAnswer(answer, value.strip(), CHOICES[answer])
    return text


@_remembered
def parse_many(answer: str, values: object) -> tuple[str, ...]:
    """A list of choices, each item possibly comma-separated; returned in vocabulary order."""
    if values is None:
        return ()
    items: Iterable[object] = [values] if isinstance(values, str) else values  # type: ignore[assignment]
    if not isinstance(items, (list, tuple)):
        raise InvalidAnswer(answer, values, CHOICES[answer])
    chosen: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise InvalidAnswer(answer, item, CHOICES[answer])
        for part in item.split(","):
            value = parse_choice(answer, part)
            if value:
                chosen.add(value)
    return tuple(value for value in CHOICES[answer] if value in chosen)


@_remembered
def parse_duration(value: object) -> tuple[int | None, str | None]:
    """'3w' or '3 weeks' -> (21, '3w'); a month counts as 30 days."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    match = _DURATION.match(value.lower()) if isinstance(value, str) else None
    unit = _UNIT_WORDS.get(match.group(2)) if match else None
    if not match or not unit:
        raise InvalidAnswer("duration", value, DURATION_HINT,
                            message=f"{str(value)[:60]!r} is not a valid duration: give {DURATION_HINT}.")
    number = int(match.group(1))
    days = number * DURATION_UNITS[unit]
    if days > _MAX_DURATION_DAYS:
        raise InvalidAnswer("duration", value, DURATION_HINT,
                            message=f"{str(value).strip()!r} is not a valid duration: at most 100 years.")
    return days, f"{number}{unit}"


@_remembered
def parse_age(value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    low, high = AGE_RANGE
    hint = f"whole years from {low} to {high}"
    if isinstance(value, float) and value.is_integer():  # 40.0, as some JSON exporters write 40
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidAnswer("age", value, hint, message=f"{str(value)[:60]!r} is not a valid age: give {hint}.")
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise InvalidAnswer("age", value, hint, message=f"{text[:60]!r} is not a valid age: give {hint}.")
    return int(text)
