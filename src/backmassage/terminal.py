"""The one place that makes text safe for a terminal, and sizes what is printed on one.

Everything printed from a knowledge folder, an input file, a path or a person's reply goes
through ``clean`` (or ``text``, which also makes it a rich ``Text``, never markup):

- C0 controls (ESC and the rest), DEL and the C1 controls (U+0080 to U+009F, among them the
  one-byte CSI U+009B) are shown as ``\\x1b``, ``\\x7f``, ``\\x9b``;
- bidirectional overrides and marks, zero-width characters, U+2028 and U+2029 and every
  other invisible format character are shown as ``\\u202e``, ``\\u2028``;
- a byte that was not valid UTF-8 in a file name (a lone surrogate) is shown as ``\\xff``;
- a tab becomes a space; a newline is kept only where the caller allows several lines.

Rich markup is never interpreted in such text: ``text`` builds a ``Text``, and ``markup``
escapes it for the few places that take a markup string.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # rich is imported only where text is drawn: `--json` and errors start without it
    from rich.text import Text

MIN_WIDTH = 20
"""Narrower terminals (COLUMNS=0, 1, 10, a 5-column pty) get lines of this width, which the
terminal folds itself: nothing is lost, and nothing computes a width below zero."""
MAX_WIDTH = 88
"""Wider terminals get lines of at most this width, which stay easy to read."""

_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _escaped(char: str) -> str:
    if char in "\n\r":
        return "\\n" if char == "\n" else "\\r"
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _safe(char: str) -> bool:
    return unicodedata.category(char) not in _HIDDEN_CATEGORIES


def clean(value: Any, *, lines: bool = False) -> str:
    """``value`` as text that a terminal shows as it is: see the module's docstring.

    ``lines=True`` keeps newlines (a message of several lines); otherwise they are shown as
    ``\\n`` too, so that one value can never pretend to be a line of its own.
    """
    text = value if isinstance(value, str) else str(value)
    if text.isascii() and text.isprintable():
        return text  # the common case, at once
    out = []
    for char in text:
        if char == "\n" and lines:
            out.append(char)
        elif char == "\t":
            out.append(" ")
        elif _safe(char):
            out.append(char)
        else:
            out.append(_escaped(char))
    return "".join(out)


def text(value: Any, style: str = "", *, lines: bool = False) -> Text:
    """A rich ``Text`` of ``value`` cleaned: printed as it is, never read as markup."""
    from rich.text import Text

    return Text(clean(value, lines=lines), style=style)


def markup(value: Any) -> str:
    """``value`` cleaned and escaped, for the places that take a rich markup string."""
    from rich.markup import escape

    return escape(clean(value))


def layout_width(width: int | None) -> int:
    """The width to lay text out at on a terminal of ``width`` columns (None: unknown)."""
    if not width or width < MIN_WIDTH:
        return MIN_WIDTH if width is not None else 80
    return min(width, MAX_WIDTH)


def encodes(stream: Any, sample: str) -> bool:
    """Whether ``stream`` can write ``sample`` in its encoding (an 8-bit locale cannot write '╭')."""
    try:
        sample.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def unicode_ok(stream: Any = None) -> bool:
    """Whether box lines, bullets and arrows can be printed, or ASCII stand-ins are needed."""
    return encodes(sys.stdout if stream is None else stream, "╭─│•✗→…·")


def wants_color() -> bool | None:
    """``False`` when NO_COLOR or TERM=dumb say so; ``None`` leaves it to rich."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return None
