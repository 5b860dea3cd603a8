"""The command line: parse, call the engine, print. Nothing clinical happens here.

No `from __future__ import annotations` here: typer would then evaluate every string
annotation of every command at each start, which costs more than building them once.
"""

import functools
import gc
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional, TypeVar

import typer

from backmassage import __version__
from backmassage.errors import BackmassageError, InvalidAnswer, KnowledgeError
from backmassage.vocabulary import CHOICES, FLAGS

EXIT_INTERNAL, EXIT_USAGE, EXIT_ROWS_INVALID, EXIT_INTERRUPTED = 1, 2, 3, 130  # 0: an answer was given

app = typer.Typer(
    name="backmassage",
    help="Which massage helps your back pain, what it does, what to watch out for, "
         "and when to see a doctor instead. Not a diagnosis.",
    epilog="Exit codes: 0 done (whatever the advice), 1 internal error, 2 bad input, "
           "3 batch rows invalid, 130 interrupted. Docs: README.md.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)
kb_app = typer.Typer(help="Check and describe knowledge folders.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")

F = TypeVar("F", bound=Callable[..., Any])


# --- errors: one place turns them into messages and exit codes ----------------------------

def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    sys.stderr.write(f"backmassage: error: {message}\n")
    raise typer.Exit(code)


def reporting_errors(command: F) -> F:
    """Bad input -> exit 2; Ctrl-C -> 130; anything unexpected -> 1 with a short message."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except InvalidAnswer as error:
            fail(describe_invalid(error))
        except KnowledgeError as error:
            fail(describe_knowledge_problems(error.problems))
        except BackmassageError as error:
            fail(str(error))
        except KeyboardInterrupt:
            sys.stderr.write("Cancelled.\n")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            raise typer.Exit(EXIT_INTERNAL) from None
        except Exception as error:  # noqa: BLE001 - the boundary for bugs
            if os.environ.get("BACKMASSAGE_DEBUG") == "1":
                raise
            fail(f"internal error ({type(error).__name__}: {error}). Run again with BACKMASSAGE_DEBUG=1 "
                 "for a traceback, and report it with the command you ran.", EXIT_INTERNAL)

    return run  # type: ignore[return-value]


MAX_PROBLEMS_SHOWN = 10


def describe_knowledge_problems(problems: list[str]) -> str:
    """The first problems of a knowledge folder; 'kb validate' lists them all."""
    if len(problems) == 1:
        return problems[0]
    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    return ("the knowledge folder is not valid:\n  " + "\n  ".join(shown) + more
            + "\nRun 'backmassage kb validate DIR' to see every problem.")


def describe_invalid(error: InvalidAnswer) -> str:
    return error.describe(FLAGS.get(error.answer, error.answer))


# --- shared options -----------------------------------------------------------------------

def _complete(answer: str) -> Callable[[str], list[tuple[str, str]]]:
    def complete(incomplete: str) -> list[tuple[str, str]]:
        done, _, last = incomplete.rpartition(",")
        prefix = done + "," if done else ""
        return [(prefix + value, label) for value, label in CHOICES[answer].items()
                if value.startswith(last.lower())]

    return complete


def _values(answer: str) -> str:
    return ", ".join(CHOICES[answer])


KbOption = Annotated[Optional[Path], typer.Option(
    "--kb", envvar="BACKMASSAGE_KB", metavar="DIR", show_default=False,
    help="Use the knowledge in DIR instead of the bundled one (also BACKMASSAGE_KB).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of text.")]
NoColorOption = Annotated[bool, typer.Option("--no-color", help="No colours (NO_COLOR also works).")]


def knowledge_from(kb: Path | None) -> Any:
    from backmassage.api import load_knowledge

    return load_knowledge(kb)


def print_json(data: Any) -> None:
    # Never through rich: it wraps long strings when stdout is not a terminal.
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


def stdout_console(no_color: bool) -> Any:
    from backmassage.render import make_console

    return make_console(no_color=no_color)


def is_terminal(stream: Any) -> bool:
    try:
        return stream is not None and not stream.closed and stream.isatty()
    except (ValueError, OSError):
        return False


def can_ask() -> bool:
    """Questions need a person: a terminal to type on, and one to read them (they go to stderr)."""
    return is_terminal(sys.stdin) and is_terminal(sys.stderr)


def version_callback(value: bool) -> None:
    if value:
        try:
            kb_version = knowledge_from(None).version
        except BackmassageError:
            kb_version = "unavailable"
        sys.stdout.write(f"backmassage {__version__} (knowledge {kb_version})\n")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Which massage helps your back pain, and when to see a doctor instead."""


# --- recommend ----------------------------------------------------------------------------

# Asked for when the flags leave them out, the warning signs (symptoms) above all; pressure is optional.
ASKED_ANSWERS = frozenset({"location", "cause", "symptoms", "history", "duration", "age"})
RECOMMEND_EPILOG = (
    "Examples:\n\n"
    "  backmassage recommend                      # answer a few questions\n\n"
    "  backmassage recommend --location lower --cause lifting --duration 3d\n\n"
    "  backmassage recommend --location neck --symptom stiffness,headaches --age 34 --json\n\n"
    "  backmassage recommend --location lower --history anticoagulants --pressure firm"
)


@app.command(epilog=RECOMMEND_EPILOG)
@reporting_errors
def recommend(
    location: Annotated[Optional[str], typer.Option(
        metavar="WHERE", help=f"Where it hurts: {_values('location')}.",
        autocompletion=_complete("location"), show_default=False)] = None,
    cause: Annotated[Optional[str], typer.Option(
        metavar="CAUSE", help=f"How it started: {_values('cause')}.", autocompletion=_complete("cause"),
        show_default=False)] = None,
    symptom: Annotated[Optional[list[str]], typer.Option(
        metavar="SYMPTOM", help=f"A symptom; repeat or separate with commas: {_values('symptoms')}.",
        autocompletion=_complete("symptoms"), show_default=False)] = None,
    history: Annotated[Optional[list[str]], typer.Option(
        metavar="HISTORY", help=f"Your health history; repeat or separate with commas: {_values('history')}.",
        autocompletion=_complete("history"), show_default=False)] = None,
    duration: Annotated[Optional[str], typer.Option(
        metavar="TIME", help="How long it has hurt: a number and a unit, e.g. 2d, 3w, 6m.",
        show_default=False)] = None,
    age: Annotated[Optional[str], typer.Option(
        metavar="YEARS", help="Your age in whole years (1 to 120).", show_default=False)] = None,
    pressure: Annotated[Optional[str], typer.Option(
        metavar="PRESSURE", help=f"The massage pressure you prefer: {_values('pressure')}.",
        autocompletion=_complete("pressure"), show_default=False)] = None,
    as_json: JsonOption = False,
    no_input: Annotated[bool, typer.Option(
        "--no-input", help="Never ask questions; missing answers stay unknown.")] = False,
    no_color: NoColorOption = False,
    kb: KbOption = None,
) -> None:
    """Recommend a massage for your back pain, or tell you to see a doctor first.

    In a terminal it asks for what the options did not say. Answers you leave out count as unknown.
    """
    from backmassage import engine
    from backmassage.answers import parse_answers

    given = dict(location=location, cause=cause, symptoms=symptom, history=history,
                 duration=duration, age=age, pressure=pressure)
    answers = parse_answers(**given, require_location=False)
    knowledge = knowledge_from(kb)
    asked_by_flags = {name for name, value in given.items() if value}
    guided = False
    if not no_input and can_ask() and not ASKED_ANSWERS <= asked_by_flags:
        from backmassage.guided import interview

        answers = interview(answers, knowledge, asked_by_flags=asked_by_flags, no_color=no_color)
        guided = True
    if answers.location is None:
        fail(f"where it hurts is required: pass --location ({_values('location')}), "
             "or run in a terminal without --no-input to be asked.")
    rec = engine.recommend(answers, knowledge)
    if as_json:
        print_json(rec.to_dict())
        return
    from backmassage.render import render_recommendation

    render_recommendation(rec, stdout_console(no_color), rerun_command=guided)


# --- browsing the knowledge -----------------------------------------------------------------

@app.command(epilog="Examples:\n\n  backmassage conditions\n\n  backmassage conditions --json | jq '.[].id'")
@reporting_errors
def conditions(as_json: JsonOption = False, no_color: NoColorOption = False, kb: KbOption = None) -> None:
    """List the back-pain patterns the knowledge knows."""
    knowledge = knowledge_from(kb)
    if as_json:
        print_json([{"id": c.id, "name": c.name, "description": c.description,
                     "techniques": [t.id for t in c.techniques]} for c in knowledge.conditions])
        return
    from backmassage.render import render_conditions

    render_conditions(knowledge, stdout_console(no_color))


@app.command(epilog="Examples:\n\n  backmassage techniques\n\n  backmassage techniques --json")
@reporting_errors
def techniques(as_json: JsonOption = False, no_color: NoColorOption = False, kb: KbOption = None) -> None:
    """List the kinds of massage the knowledge knows."""
    knowledge = knowledge_from(kb)
    if as_json:
        print_json([{"id": t.id, "name": t.name, "description": t.description, "pressure": list(t.pressure),
                     "session_minutes": t.session_minutes, "frequency": t.frequency,
                     "benefits": list(t.benefits)} for t in knowledge.techniques.values()])
        return
    from backmassage.render import render_techniques

    render_techniques(knowledge, stdout_console(no_color))


@app.command(epilog="Examples:\n\n  backmassage explain sciatica\n\n  backmassage explain deep-tissue\n\n"
                    "  backmassage explain cauda-equina")
@reporting_errors
def explain(
    item_id: Annotated[str, typer.Argument(metavar="ID", help="A condition, technique, red flag or contraindication id.")],
    as_json: JsonOption = False,
    no_color: NoColorOption = False,
    kb: KbOption = None,
) -> None:
    """Describe one condition, technique, red flag or contraindication, with its sources."""
    from backmassage.browse import describe_item

    item = describe_item(knowledge_from(kb), item_id.strip().lower())
    if as_json:
        print_json(item)
        return
    from backmassage.render import render_item

    render_item(item, stdout_console(no_color))


# --- knowledge tools ---------------------------------------------------------------------------

KB_VALIDATE_EPILOG = ("Examples:\n\n  backmassage kb validate\n\n  backmassage kb validate ./my-knowledge\n\n"
                      "Exit 0 when valid, 2 when not. A custom folder must keep every red flag of the bundled "
                      "knowledge (docs/knowledge.md, Safety floor).")


@kb_app.command("validate", epilog=KB_VALIDATE_EPILOG)
@reporting_errors
def kb_validate(
    folder: Annotated[Optional[Path], typer.Argument(metavar="[DIR]", show_default=False,
                                                     help="The folder to check (default: --kb, or the bundled knowledge).")] = None,
    kb: KbOption = None,
) -> None:
    """Check a knowledge folder and list every problem with its file and line."""
    from backmassage.knowledge import FILE_NAMES, bundled_folder, validate_folder

    target = Path(folder or kb or bundled_folder())
    data, problems = validate_folder(target)
    if problems:
        sys.stderr.write("\n".join(problems) + "\n")
        fail(f"{len(problems)} problem{'s' * (len(problems) != 1)} in {target}")
    try:
        strays = sorted(p.name for p in target.iterdir() if p.suffix in (".yaml", ".yml") and p.name not in FILE_NAMES)
    except OSError:
        strays = []
    for name in strays:
        sys.stderr.write(f"{target}{os.sep}{name}: note: not read; a knowledge folder holds {', '.join(FILE_NAMES)}\n")
    counts = [(len(data["conditions.yaml"]["conditions"]), "condition"),
              (len(data["techniques.yaml"]["techniques"]), "technique"),
              (len(data["red_flags.yaml"]["red_flags"]), "red flag"),
              (len(data["contraindications.yaml"]["contraindications"]), "contraindication"),
              (len(data["sources.yaml"]["sources"]), "source")]
    summary = ", ".join(f"{n} {what}{'s' * (n != 1)}" for n, what in counts)
    sys.stdout.write(f"{target}: knowledge {data['manifest.yaml']['knowledge_version']}, {summary}\n{target}: valid\n")


@kb_app.command("schema", epilog="Examples:\n\n  backmassage kb schema > knowledge.schema.json\n\n"
                                 "Then start each knowledge file with the line\n\n"
                                 "  # yaml-language-server: $schema=./knowledge.schema.json\n\n"
                                 "(docs/knowledge.md, Editor setup).")
@reporting_errors
def kb_schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the knowledge files, for editors that check YAML as you type."""
    from backmassage.schema import json_schema

    print_json(json_schema())


# --- batch -------------------------------------------------------------------------------------

BATCH_EPILOG = (
    "Examples:\n\n"
    "  backmassage batch intake.csv -o triage.jsonl\n\n"
    "  backmassage batch intake.jsonl | jq -c 'select(.triage == \"urgent\" or .triage == \"emergency\")'\n\n"
    "  export-intake | backmassage batch - --format csv > triage.jsonl\n\n"
    "Columns (CSV header or JSONL keys): id (optional, passed through), location (required), cause, "
    "symptoms, history (lists separated by ; or , in CSV, arrays in JSONL), duration, age, pressure. "
    "Unknown columns are ignored with a warning.\n\n"
    "Output: one JSON line per row, in order, with row and id, and either the recommendation "
    "(as recommend --json) or error. Exit codes: 0 every row triaged, 2 input, output or "
    "knowledge unusable, 3 some rows invalid, 130 interrupted (OUTPUT is then left as it was)."
)


@app.command(epilog=BATCH_EPILOG)
@reporting_errors
def batch(
    source: Annotated[str, typer.Argument(
        metavar="INPUT", show_default=False, help="A .csv or .jsonl file of intake answers, or - for stdin.")],
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", metavar="OUTPUT", show_default=False,
        help="Write the JSONL to this file, atomically (all of it or, on error or Ctrl-C, none), "
             "instead of stdout.")] = None,
    input_format: Annotated[Optional[str], typer.Option(
        "--format", metavar="FORMAT", show_default=False,
        help="csv or jsonl (default: from the extension of INPUT; required with -).")] = None,
    encoding: Annotated[str, typer.Option(
        metavar="CODEC", help="The text encoding of INPUT, e.g. cp1252 for an old Excel export.")] = "utf-8",
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress bar and no summary on stderr (warnings and errors still show).")] = False,
    kb: KbOption = None,
) -> None:
    """Triage a whole day's intake: one recommendation (or error) per row of a CSV or JSONL file.

    Every row gets exactly one JSON line, in input order, so the people who must see a doctor first are flagged before they arrive. A progress bar shows on stderr in a terminal; a short summary ends every run on stderr.
    """
    from backmassage import batch as batching

    knowledge = knowledge_from(kb)
    with batching.terminate_as_interrupt():
        summary = batching.run_batch(source, output, knowledge, fmt=input_format, encoding=encoding,
                                     progress=not quiet and is_terminal(sys.stderr)
                                     and os.environ.get("TERM") != "dumb")
    if not quiet:
        sys.stderr.write("\n".join(summary.lines()) + "\n")
    if summary.errors:
        raise typer.Exit(EXIT_ROWS_INVALID)


def main() -> None:
    """The console script: typer, plus a last guard so no traceback ever reaches a person."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("Cancelled.\n")
        sys.exit(EXIT_INTERRUPTED)
    finally:
        # The process ends next. Freezing the objects spares the interpreter's final garbage
        # collections, which would walk every object only to free memory the OS reclaims
        # anyway: about 7 ms, a tenth of a start (bench/bench_startup.py).
        gc.freeze()
