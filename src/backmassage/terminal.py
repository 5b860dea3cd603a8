"""The one place that makes text safe for a terminal, and sizes what is printed on one.

Everything printed from a knowledge folder, an input file, a path or a person's reply goes
through ``clean`` (and is then given to rich as a ``Text``, never as markup):

- C0 controls (ESC and the rest), DEL and the C1 controls (U+0080 to U+009F, among them the
  one-byte CSI U+009B) are shown as ``\\x1b``, ``\\x7f``, ``\\x9b``;
- bidirectional overrides and marks, zero-width characters, U+2028 and U+2029 and every
  other invisible format character are shown as ``\\u202e``, ``\\u2028``;
- a byte that was not valid UTF-8 in a file name (a lone surrogate) is shown as ``\\xff``;
- a tab becomes a space; a newline is kept only where the caller allows several lines.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from typing import Any

MIN_WIDTH = 20
"""Narrower terminals (COLUMNS=0, 1, 10, a 5-column pty) get lines of this width, which the
terminal folds itself: nothing is lost, and nothing computes a width below zero."""
MAX_WIDTH = 88
"""Wider terminals get lines of at most this width, which stay easy to read."""

_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _shown(char: str, lines: bool) -> str:
    if char == "\t":
        return " "
    if (char == "\n" and lines) or unicodedata.category(char) not in _HIDDEN_CATEGORIES:
        return char
    if 0xDC80 <= ord(char) <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{ord(char) - 0xDC00:02x}"
    return char.encode("unicode_escape").decode("ascii")


def clean(value: Any, *, lines: bool = False) -> str:
    """``value`` as text that a terminal shows as it is: see the module's docstring.

    ``lines=True`` keeps newlines (a message of several lines); otherwise they are shown as
    ``\\n`` too, so that one value can never pretend to be a line of its own.
    """
    text = str(value)
    if text.isascii() and text.isprintable():
        return text  # the common case, at once
    return "".join(_shown(char, lines) for char in text)


def layout_width(width: int | None) -> int:
    """The width to lay text out at on a terminal of ``width`` columns (None: unknown)."""
    if width is None:
        return 80
    return min(max(width, MIN_WIDTH), MAX_WIDTH)


def unicode_ok(stream: Any = None) -> bool:
    """Whether box lines, bullets and arrows can be printed, or ASCII stand-ins are needed
    (an 8-bit locale cannot write '╭')."""
    try:
        "╭─│•✗→…·".encode(getattr(sys.stdout if stream is None else stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def wants_color() -> bool | None:
    """``False`` when NO_COLOR or TERM=dumb say so; ``None`` leaves it to rich."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return None
