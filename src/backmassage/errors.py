"""The errors backmassage reports to people, one hierarchy for the whole program."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class BackmassageError(Exception):
    """An error that is the input's fault, reported without a traceback (exit 2)."""


class InvalidAnswer(BackmassageError, ValueError):
    """An answer outside the vocabulary of SPEC section 1.

    ``answer`` names the answer (``location``), ``value`` is what was given, ``valid`` lists
    the accepted values and ``suggestion`` is the closest one, if any is close.
    """

    def __init__(self, answer: str, value: object, valid: Iterable[str] | str, message: str | None = None,
                 also: Mapping[str, str] | None = None):
        self.answer = answer
        self.value = value
        self.is_choice = not isinstance(valid, str)
        self.valid = valid if isinstance(valid, str) else ", ".join(valid)
        self.suggestion = _suggest_value(str(value), valid, also) if self.is_choice else None
        self.errors: tuple[InvalidAnswer, ...] = (self,)  # every problem of the same answers
        super().__init__(message if message is not None
                         else f"{value!s:.60} is not a valid {answer}. {self._valid_values()}")

    def _valid_values(self) -> str:
        hint = f" Did you mean '{self.suggestion}'?" if self.suggestion else ""
        return f"Valid values: {self.valid}.{hint}"

    def describe(self, label: str) -> str:
        """The message for a person, naming the answer as they gave it: a flag, a column."""
        message = str(self)
        if self.is_choice and str(self.value).strip():
            import json

            value = self.value
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
            message = f"{shown[:60]!r} is not a valid value. {self._valid_values()}"
        elif message.startswith(self.answer + " "):
            return message
        return f"{label}: {message}"


class KnowledgeError(BackmassageError):
    """A knowledge folder that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(problems[0] if len(problems) == 1 else "the knowledge is not valid:\n" + "\n".join(problems))


def suggest(value: str, valid: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The valid value closest to a mistyped one, or None when nothing is close enough."""
    import difflib

    matches = difflib.get_close_matches(value.lower(), list(valid), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def _suggest_value(value: str, valid: Iterable[str], words: Mapping[str, str] | None) -> str | None:
    """The value meant by a mistyped one: close to a value, or to one of its labels or synonyms."""
    if words is None:
        return suggest(value, valid)
    from backmassage.answers import normalise

    word = suggest(normalise(value), words, cutoff=0.75)
    return words[word] if word else suggest(value, valid)
