"""A person's answers, checked against the vocabulary of SPEC section 1.

Values are read as people write them: case, spaces and underscores do not matter, and the
labels and synonyms of the knowledge (``data/answers.yaml``) count as their value. A value
that is still unknown is refused with a "did you mean", never guessed.
"""

# No `from __future__ import annotations`: NamedTuple would compile each string annotation at
# import, a cost every start pays (issue 10).
import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from backmassage.errors import InvalidAnswer
from backmassage.vocabulary import AGE_RANGE, CHOICES, FLAGS, LIST_ANSWERS, QUESTION_ORDER, WARNING_SIGNS

MAX_TEXT = 1000  # characters of one answer: longer text is refused, never parsed
_MAX_DURATION_DAYS = 100 * 365
_NONE_WORDS = frozenset({"none", "no", "n", "nothing", "neither", "none-of-these", "-"})
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a-few": 3, "few": 3,
                 "a-couple-of": 2, "couple-of": 2, "half-a": 0.5}
_UNITS = {"d": 1, "day": 1, "days": 1, "w": 7, "wk": 7, "wks": 7, "week": 7, "weeks": 7,
          "m": 30, "mo": 30, "mos": 30, "month": 30, "months": 30,
          "y": 365, "yr": 365, "yrs": 365, "year": 365, "years": 365}
_UNIT_LETTER = {1: "d", 7: "w", 30: "m", 365: "y"}
_SEPARATORS = re.compile(r"[,;]")
_SHORT_DURATION = re.compile(r"(\d{1,6})([dwmy])")  # 3d, 2w: as scripts and exports write them
# Patterns, not compiled here: re compiles them on first use, so a start that needs none pays nothing.
_DURATION = r"^(?P<number>\d{1,6}(?:\.\d{1,3})?|[a-z-]+?)-?(?P<unit>[a-z]+)(?:-ago)?$"
_AGE = r"^(?P<years>\d{1,3})(?:\.0+)?(?:-?(?:y|yrs?|years?)(?:-old)?)?$"
ORDER = {answer: {value: index for index, value in enumerate(values)} for answer, values in CHOICES.items()}
DURATION_HINT = "a number and a unit, e.g. 2d, 3w, 6m or 2y (days, weeks, months, years)"
AGE_HINT = f"whole years from {AGE_RANGE[0]} to {AGE_RANGE[1]}"


class Answers(NamedTuple):
    """Checked answers. ``None`` means the person did not say; ``()`` for a list means "none"."""

    location: str | None = None
    cause: str | None = None
    symptoms: tuple[str, ...] | None = None
    history: tuple[str, ...] | None = None
    duration: str | None = None  # as given, normalised: "3w"
    duration_days: int | None = None
    age: int | None = None
    pressure: str | None = None
    screened: bool = False
    unsure: tuple[str, ...] = ()

    def unanswered(self) -> tuple[str, ...]:
        """The questions not answered, in question order (SPEC section 4 ``unanswered``)."""
        return tuple(name for name in QUESTION_ORDER if getattr(self, name) is None)

    def as_flags(self) -> list[str]:
        """Command-line flags that give exactly these answers, with no question asked."""
        args: list[str] = []
        for name in ("location", "cause"):
            if getattr(self, name):
                args += [FLAGS[name], getattr(self, name)]
        for name in LIST_ANSWERS:
            values = getattr(self, name)
            if values is not None:
                args += [FLAGS[name], ",".join(values) or "none"]
        if self.duration is not None:
            args += [FLAGS["duration"], self.duration]
        if self.age is not None:
            args += [FLAGS["age"], str(self.age)]
        if self.pressure:
            args += [FLAGS["pressure"], self.pressure]
        if self.unsure:
            args += [FLAGS["unsure"], ",".join(self.unsure)]
        if self.screened:
            args.append(FLAGS["screened"])
        return args


Words = Mapping[str, Mapping[str, str]]
"""What people may write for each value (answer -> normalised word -> value), from answers.yaml."""


def normalise(text: str) -> str:
    """'Lower_Back ' -> 'lower-back': case, spaces, underscores and repeated hyphens do not matter."""
    return "-".join(text.lower().replace("_", " ").replace("-", " ").split())


def parse_answers(words: Words, *, location: object = None, cause: object = None, symptoms: object = None,
                  history: object = None, duration: object = None, age: object = None, pressure: object = None,
                  screened: object = None, unsure: object = None, require_location: bool = True) -> Answers:
    """Check raw answers (text, lists, numbers) and return them normalised.

    Raises ``InvalidAnswer`` for the first wrong answer; its ``errors`` lists every one.
    """
    errors: list[InvalidAnswer] = []

    def checked(parse: Any, *args: Any) -> Any:
        try:
            return parse(*args)
        except InvalidAnswer as error:
            errors.append(error)
            return None

    if require_location and (location is None or (isinstance(location, str) and not location.strip())):
        errors.append(InvalidAnswer("location", "", CHOICES["location"],
                                    message=f"location is required. Valid values: {', '.join(CHOICES['location'])}."))
    # In question order, so that the messages are too; an answer not given is not parsed at all.
    given_location = None if location is None else checked(parse_choice, words, "location", location)
    given_cause = None if cause is None else checked(parse_choice, words, "cause", cause)
    given_symptoms = None if symptoms is None else checked(parse_many, words, "symptoms", symptoms)
    given_history = None if history is None else checked(parse_many, words, "history", history)
    days, duration_text = (None, None) if duration is None else checked(parse_duration, duration) or (None, None)
    answers = Answers(
        location=given_location, cause=given_cause, symptoms=given_symptoms, history=given_history,
        duration=duration_text,
        duration_days=days,
        age=None if age is None else checked(parse_age, age),
        pressure=None if pressure is None else checked(parse_choice, words, "pressure", pressure),
        screened=bool(screened is not None and checked(parse_yes_no, "screened", screened)),
        unsure=() if unsure is None else checked(parse_unsure, words, unsure) or (),
    )
    if errors:
        first = errors[0]
        first.errors = tuple(errors)
        raise first
    return answers


def _text(answer: str, value: object, valid: Iterable[str] | str) -> str:
    if not isinstance(value, str):
        raise InvalidAnswer(answer, value, valid)
    if len(value) > MAX_TEXT:
        raise InvalidAnswer(answer, value[:60] + "...", valid,
                            message=f"{answer}: the answer is longer than {MAX_TEXT} characters.")
    return value


def parse_choice(words: Words, answer: str, value: object) -> str | None:
    """One value of a choice answer, or None when not given."""
    if value is None:
        return None
    given = _text(answer, value, CHOICES[answer])
    found = words[answer].get(given)  # most values come as written in the vocabulary
    if found is not None:
        return found
    text = normalise(given)
    if not text:
        return None
    found = words[answer].get(text)
    if found is None:
        raise InvalidAnswer(answer, given.strip(), CHOICES[answer], also=words[answer])
    return found


def parse_many(words: Words, answer: str, values: object) -> tuple[str, ...] | None:
    """A list answer: a list of values or text separated by commas or semicolons, in vocabulary
    order; "none" (or "n") means an explicit empty list, and nothing given means None."""
    if values is None:
        return None
    if isinstance(values, str):
        _text(answer, values, CHOICES[answer])
        items: list[object] = _SEPARATORS.split(values)
    elif isinstance(values, (list, tuple)):
        items = [part for item in values
                 for part in (_SEPARATORS.split(item) if isinstance(item, str) else [item])]
    else:
        raise InvalidAnswer(answer, values, CHOICES[answer])
    lookup = words[answer]
    chosen: set[str] = set()
    said_none = False
    for item in items:
        value = lookup.get(item) if isinstance(item, str) else None  # most come as written
        if value is None:
            text = normalise(_text(answer, item, CHOICES[answer]))
            if not text:
                continue
            if text in _NONE_WORDS:
                said_none = True
                continue
            value = parse_choice(words, answer, item)
        if value:
            chosen.add(value)
    if not chosen and not said_none:
        return None
    return tuple(sorted(chosen, key=ORDER[answer].__getitem__))


def parse_unsure(words: Words, values: object) -> tuple[str, ...]:
    """The warning signs a person is not sure of: symptoms, and only warning signs."""
    chosen = parse_many(words, "symptoms", values) if values is not None else None
    if not chosen:
        return ()
    wrong = [value for value in chosen if value not in WARNING_SIGNS]
    if wrong:
        raise InvalidAnswer("unsure", wrong[0], WARNING_SIGNS,
                            message=f"{wrong[0]!r} is not a warning sign; --unsure takes: {', '.join(WARNING_SIGNS)}.")
    return chosen


def parse_yes_no(answer: str, value: object) -> bool | None:
    """yes/no, true/false, 1/0 (SPEC section 8 ``screened``); empty is None."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = normalise(value) if isinstance(value, str) and len(value) < 20 else None
    if text == "":
        return None
    if text in ("yes", "y", "true", "1"):
        return True
    if text in ("no", "n", "false", "0"):
        return False
    raise InvalidAnswer(answer, value, ("yes", "no"), message=f"{str(value)[:60]!r} is not yes or no.")


def parse_duration(value: object) -> tuple[int | None, str | None]:
    """'3w', '3 weeks', 'a week', '1.5 weeks', '10 years' -> (days, '3w'); a month is 30 days, a year 365."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    short = _SHORT_DURATION.fullmatch(value) if isinstance(value, str) else None
    if short:
        days = int(short.group(1)) * _UNITS[short.group(2)]
        if days <= _MAX_DURATION_DAYS:
            return days, short.group(0)
    text = normalise(value) if isinstance(value, str) and len(value) <= 40 and not value.strip().startswith("-") else ""
    match = re.match(_DURATION, text.replace("-and-a-half", ".5"))
    unit = _UNITS.get(match.group("unit")) if match else None
    number = _number(match.group("number")) if match else None
    if unit is None or number is None:
        raise InvalidAnswer("duration", value, DURATION_HINT,
                            message=f"{str(value)[:60]!r} is not a valid duration: give {DURATION_HINT}.")
    days = round(number * unit)
    if days > _MAX_DURATION_DAYS:
        raise InvalidAnswer("duration", value, DURATION_HINT,
                            message=f"{str(value).strip()[:60]!r} is not a valid duration: at most 100 years.")
    whole = float(number).is_integer()
    return days, f"{int(number)}{_UNIT_LETTER[unit]}" if whole else f"{days}d"


def _number(text: str) -> float | None:
    if text[:1].isdigit():
        return float(text)
    return _NUMBER_WORDS.get(text.strip("-"))


def parse_age(value: object) -> int | None:
    """Whole years from 1 to 120: 42, '42', '42 years', 40.0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():  # 40.0, as some JSON exporters write 40
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidAnswer("age", value, AGE_HINT, message=f"{str(value)[:60]!r} is not a valid age: give {AGE_HINT}.")
    low, high = AGE_RANGE
    if isinstance(value, int):  # compared as a number: str() of a huge int would itself fail
        if low <= value <= high:
            return value
        shown = str(value) if -10**6 < value < 10**6 else "a number that large"
        raise InvalidAnswer("age", shown, AGE_HINT, message=f"{shown!r} is not a valid age: give {AGE_HINT}.")
    text = normalise(value)
    match = re.match(_AGE, text) if len(text) <= 20 else None
    if not match or not low <= int(match.group("years")) <= high:
        shown = value.strip()[:60] + ("..." if len(value.strip()) > 60 else "")
        raise InvalidAnswer("age", shown, AGE_HINT, message=f"{shown!r} is not a valid age: give {AGE_HINT}.")
    return int(match.group("years"))
