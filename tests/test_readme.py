"""The README's transcripts of the answer and of the interview are what the program prints.

Every fenced block that starts with ``$ backmassage recommend`` is run (80 columns, no
colour) and compared line by line; a block ending in ``...`` is compared up to there. The
interview's block is replayed with the replies typed in it. When the knowledge's wording
changes, copy the new output into the README.
"""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import pytest
from rich.console import Console

from backmassage import api
from backmassage.guided import Quit, interview

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```\n(\$ backmassage recommend.*?)```", re.S)


def transcripts() -> list[str]:
    """The blocks of the README's sections on the answer, the interview ("What it looks like")
    and the JSON ("For scripts")."""
    text = README.read_text(encoding="utf-8")
    blocks = []
    for section in ("## What it looks like", "## For scripts"):
        start = text.index(section)
        end = text.index("\n## ", start + 1)
        blocks += BLOCK.findall(text[start:end])
    return blocks


def expected_lines(block: str) -> tuple[list[str], bool]:
    lines = [line.rstrip() for line in block.rstrip("\n").split("\n")[1:]]
    cut = bool(lines) and lines[-1] == "..."
    return (lines[:-1] if cut else lines), cut


def compare(expected: list[str], cut: bool, actual: str) -> None:
    got = [line.rstrip() for line in actual.rstrip("\n").split("\n")]
    if cut:
        got = got[:len(expected)]
    assert got == expected


def test_the_readme_has_the_transcripts():
    blocks = transcripts()
    assert len(blocks) >= 3
    assert any(block.startswith("$ backmassage recommend\n") for block in blocks)


@pytest.mark.parametrize("block", [b for b in transcripts() if not b.startswith("$ backmassage recommend\n")],
                         ids=lambda b: b.split("\n", 1)[0][2:60])
def test_a_readme_answer_is_what_the_program_prints(run, block):
    args = shlex.split(block.split("\n", 1)[0][2:])[1:]
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    compare(*expected_lines(block), result.stdout)


def test_the_readme_interview_is_what_a_person_sees():
    block = next(b for b in transcripts() if b.startswith("$ backmassage recommend\n"))
    expected, cut = expected_lines(block)
    replies = [m.group(1) for line in expected for m in [re.search(r"> (.*)$", line)] if m]
    console = Console(file=io.StringIO(), width=80, color_system=None, highlight=False)
    typed = list(replies)

    def read() -> str:
        if not typed:
            raise EOFError
        reply = typed.pop(0)
        console.file.write(reply + "\n")  # what the terminal echoes
        return reply + "\n"

    with pytest.raises(Quit):
        interview(api.parse_answers(require_location=False), api.load_knowledge(), read=read, console=console)
    compare(expected, cut, console.file.getvalue())
