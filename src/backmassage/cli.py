"""The command line: parse, call the engine, print. Nothing clinical happens here.

No `from __future__ import annotations` here: typer would then evaluate every string
annotation of every command at each start, which costs more than building them once.
"""

import contextlib
import copy
import gc
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer._click.types import StringParamType
from typer._click.utils import PacifyFlushWrapper
from typer._completion_classes import completion_init
from typer._completion_shared import _get_shell_name, get_completion_script
from typer._completion_shared import install as install_script
from typer.core import TyperCommand, TyperGroup, TyperOption

from backmassage import __version__, api, exits
from backmassage.errors import BackmassageError, suggest
from backmassage.exits import fail
from backmassage.terminal import clean
from backmassage.vocabulary import CHOICES

SHELLS = ("bash", "zsh", "fish", "powershell")
COMPLETE_VAR = "_BACKMASSAGE_COMPLETE"


class Group(TyperGroup):
    """The program's commands; every error, usage errors included, is said in one style."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, windows_expand_args: bool = True,
             **extra: Any) -> Any:
        exits.prepare_streams()
        if os.environ.get(COMPLETE_VAR):
            completion_init()  # typer's completion for each shell, as its own --install-completion has
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False,
                                windows_expand_args=windows_expand_args, **extra)
            code = code if isinstance(code, int) else exits.OK
            if code == exits.OK:
                sys.stdout.flush()
        except NoArgsIsHelpError as error:
            code = error.exit_code  # the help is printed already
        except ClickException as error:
            code = exits.usage_error(error)
        except (typer.Abort, KeyboardInterrupt):
            exits.say("Cancelled.")
            code = exits.INTERRUPTED
        except SystemExit as done:
            # typer and rich end a broken pipe with exit 1 (typer wraps stdout first; rich raises
            # while handling the BrokenPipeError): the reader went away.
            broken = isinstance(sys.stdout, PacifyFlushWrapper) or isinstance(done.__context__, BrokenPipeError)
            code = exits.BROKEN_PIPE if done.code == 1 and broken else done.code
        except OSError as error:
            code = exits.output_failure(error)
            if code is None:
                raise
        if code == exits.BROKEN_PIPE:
            exits.silence_stdout()
        if not standalone_mode:
            return code
        sys.exit(code)


class Command(TyperCommand):
    """A command whose errors end in their message and exit code (exits.reporting_errors), that
    refuses a single-value option given twice (``--location lower --location neck``), and whose
    usage line names its arguments plainly (``explain [OPTIONS] ID``)."""

    def invoke(self, ctx: Any) -> Any:
        with exits.reporting_errors():
            return super().invoke(ctx)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [piece.replace("{", "").replace("}", "") for piece in super().collect_usage_pieces(ctx)]

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not ctx.resilient_parsing:
            _, _, order = self.make_parser(ctx).parse_args(args=list(args))
            for param, times in Counter(order).items():
                single = isinstance(param, TyperOption) and not (param.multiple or param.is_flag or param.count)
                if single and times > 1:
                    ctx.fail(f"{param.opts[0]} was given {times} times; give it once.")
        return super().parse_args(ctx, args)


class PlainText(StringParamType):
    """Text shown in help as its metavar alone, with no ``<str>`` beside it."""

    def get_metavar(self, param: Any, ctx: Any = None) -> str:
        return ""


app = typer.Typer(
    name="backmassage",
    cls=Group,
    help="Which massage helps your back pain, what it does, what to watch out for, "
         "and when to see a doctor instead. Not a diagnosis.",
    epilog="Examples:\n\n"
           "  backmassage recommend                      # answer a few questions\n\n"
           "  backmassage recommend --location lower --cause lifting --save advice.html\n\n"
           "  backmassage explain sciatica\n\n"
           f"{exits.EXIT_CODES_HELP}\n\n"
           "More: 'backmassage COMMAND --help' for each command, 'backmassage list KIND' and "
           "'backmassage explain ID' for what the knowledge holds and its sources.",
    no_args_is_help=True,
    add_completion=False,  # typer's --show-completion ignores the shell named: see 'completion'
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)
kb_app = typer.Typer(help="Check and describe knowledge folders.", no_args_is_help=True, cls=Group,
                     epilog="Examples:\n\n  backmassage kb validate ./my-knowledge\n\n"
                            "  backmassage kb test ./my-knowledge\n\n  backmassage kb schema")
app.add_typer(kb_app, name="kb")


# --- shared options and output -------------------------------------------------------------

def _complete(answer: str) -> Callable[[str], list[str]]:
    def complete(incomplete: str) -> list[str]:
        done, _, last = incomplete.rpartition(",")
        prefix = done + "," if done else ""
        return [prefix + value for value in CHOICES[answer] if value.startswith(last.lower())]

    return complete


def _values(answer: str) -> str:
    return ", ".join(CHOICES[answer])


def _answer_option(answer: str, metavar: str, text: str) -> Any:
    return typer.Option(metavar=metavar, help=text, autocompletion=_complete(answer), show_default=False)


def _argument(metavar: str, text: str) -> Any:
    return typer.Argument(metavar=metavar, show_default=False, click_type=PlainText(), help=text)


KbOption = Annotated[Optional[Path], typer.Option(
    "--kb", envvar="BACKMASSAGE_KB", metavar="DIR", show_default=False,
    help="Use the knowledge in DIR instead of the bundled one (also BACKMASSAGE_KB).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of text.")]
NoColorOption = Annotated[bool, typer.Option("--no-color", help="No colours (NO_COLOR also works).")]


def print_json(data: Any) -> None:
    # Never through rich: it wraps long strings when stdout is not a terminal.
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()


def _echo(text: str) -> None:
    sys.stdout.write(clean(text) + "\n")


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'s' * (number != 1)}"


def is_terminal(stream: Any) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError, AttributeError):  # closed, or None
        return False


def version_callback(value: bool) -> None:
    if value:
        try:
            kb_version = api.load_knowledge().version
        except BackmassageError:
            kb_version = "unavailable"
        sys.stdout.write(f"backmassage {__version__} (knowledge {kb_version})\n")
        raise typer.Exit()


def install_completion_callback(value: bool) -> None:
    if value:
        install_completion(None)


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                          help="Print the version and exit.")] = False,
    install: Annotated[bool, typer.Option(
        "--install-completion", callback=install_completion_callback, is_eager=True,
        help="Install Tab completion for your shell (bash, zsh, fish or powershell), then exit. "
             "To see the script first: backmassage completion SHELL.")] = False,
) -> None:
    """Which massage helps your back pain, and when to see a doctor instead."""


# --- recommend ----------------------------------------------------------------------------

@app.command(cls=Command, epilog=(
    "Examples:\n\n"
    "  backmassage recommend                      # answer a few questions\n\n"
    "  backmassage recommend --location lower --cause lifting --duration 3d\n\n"
    "  backmassage recommend --location lower --cause lifting --save advice.html\n\n"
    "  backmassage recommend --location neck --symptom headaches --age 34 --json\n\n"
    "  backmassage recommend --location lower --history 'blood thinners' --details\n\n"
    "Values may be written as people say them: 'Lower back', 'blood thinners', '3 weeks', '42 years'. "
    "In a terminal it asks every warning-sign question that applies, and each other question the options "
    "leave open whose answer could change the advice; --screened says the warning signs were all asked "
    "and answered no, --no-input asks nothing."))
def recommend(
    location: Annotated[Optional[str], _answer_option(
        "location", "WHERE", f"Where it hurts: {_values('location')}.")] = None,
    cause: Annotated[Optional[str], _answer_option(
        "cause", "CAUSE", f"How it started: {_values('cause')}.")] = None,
    symptom: Annotated[Optional[list[str]], _answer_option(
        "symptoms", "SYMPTOM", f"A symptom; repeat or separate with commas, or none: {_values('symptoms')}.")] = None,
    history: Annotated[Optional[list[str]], _answer_option(
        "history", "HISTORY", f"Your health history; repeat or separate with commas, or none: "
                              f"{_values('history')}.")] = None,
    duration: Annotated[Optional[str], typer.Option(
        metavar="TIME", show_default=False,
        help="How long it has hurt: 3d, 2w, 6m, 1y, or words such as '3 weeks' or 'a month'.")] = None,
    age: Annotated[Optional[str], typer.Option(
        metavar="YEARS", help="Your age in whole years (1 to 120).", show_default=False)] = None,
    pressure: Annotated[Optional[str], _answer_option(
        "pressure", "PRESSURE", f"The massage pressure you prefer: {_values('pressure')}.")] = None,
    screened: Annotated[bool, typer.Option(
        "--screened", help="Every warning-sign question was asked: a warning sign not given with --symptom "
                           "or --unsure is a no.")] = False,
    unsure: Annotated[Optional[list[str]], _answer_option(
        "symptoms", "SIGN", "A warning sign you are not sure about; repeat or separate with commas.")] = None,
    details: Annotated[bool, typer.Option(
        "--details", help="The whole answer: benefits, every massage, self-care, why, sources with links.")] = False,
    save: Annotated[Optional[Path], typer.Option(
        "--save", metavar="FILE", show_default=False,
        help="Also write the answer as a page to print or show your therapist: FILE.html, .md or .txt.")] = None,
    as_json: JsonOption = False,
    no_input: Annotated[bool, typer.Option(
        "--no-input", help="Never ask questions; answers not given stay unknown.")] = False,
    no_color: NoColorOption = False,
    kb: KbOption = None,
) -> None:
    """Recommend a massage for your back pain, or tell you to see a doctor first.

    In a terminal it asks what the options did not say. Answers you leave out count as unknown, and the answer says which warning signs nobody asked about.
    """
    if save is not None:
        from backmassage.page import format_of

        try:
            format_of(save)  # a wrong FILE is said before any question
        except ValueError as error:
            fail(str(error))
    knowledge = api.load_knowledge(kb)
    answers = api.parse_answers(knowledge, require_location=False, location=location, cause=cause, symptoms=symptom,
                                history=history, duration=duration, age=age, pressure=pressure,
                                screened=screened or None, unsure=unsure)
    guided = False
    if not no_input and is_terminal(sys.stdin) and is_terminal(sys.stderr):  # a person, to read the questions
        from backmassage.guided import interview, needs_questions

        guided = needs_questions(answers, knowledge)
        if guided:
            answers = interview(answers, knowledge, no_color=no_color)
    if answers.location is None:
        fail(f"where it hurts is required: pass --location ({_values('location')}), "
             "or run in a terminal without --no-input to be asked.")
    rec = api.recommend_answers(answers, knowledge)
    if save is not None:
        _save(save, rec, knowledge, rerun_command(answers))
    if as_json:
        print_json(rec.to_dict())
        return
    from backmassage.render import make_console, render_recommendation

    console = make_console(no_color=no_color)
    paged = details and is_terminal(sys.stdout) and os.environ.get("TERM") != "dumb"
    if paged:  # as git does: less quits when the text fits one screen, and shows colours (-R)
        os.environ.setdefault("LESS", "FRX")
    styles = "R" in os.environ.get("LESS", "").upper() or "PAGER" in os.environ
    with console.pager(styles=styles) if paged else contextlib.nullcontext():
        render_recommendation(rec, console, labels=knowledge.vocabulary.label, details=details,
                              rerun=rerun_command(answers) if guided else None)


def rerun_command(answers: Any) -> str:
    """A command that gives the same answer again without a single question."""
    import shlex

    return "backmassage recommend " + " ".join(shlex.quote(arg) for arg in [*answers.as_flags(), "--no-input"])


def _save(path: Path, rec: Any, knowledge: Any, command: str) -> None:
    from backmassage.guided import answers_in_words
    from backmassage.page import save

    try:
        written = save(path, rec.to_dict(), answers_in_words(rec, knowledge), command=command)
    except ValueError as error:
        fail(str(error))
    except OSError as error:
        fail(f"--save: cannot write {str(path)!r}: {error.strerror or error}")
    hint = ": open it in a browser to print it" if written.suffix.startswith(".htm") else ""
    exits.say(f"Saved the answer to {written}{hint}.")


# --- browsing the knowledge -----------------------------------------------------------------

@app.command("list", cls=Command, epilog=(
    "Examples:\n\n  backmassage list conditions\n\n  backmassage list red-flags\n\n"
    "  backmassage list sources --json | jq -r '.[].url'\n\n"
    "Each item's details: backmassage explain ID."))
def list_command(
    kind: Annotated[str, _argument(
        "KIND", "What to list: conditions, techniques, red-flags, contraindications or sources.")],
    as_json: JsonOption = False,
    no_color: NoColorOption = False,
    kb: KbOption = None,
) -> None:
    """List what the knowledge holds: conditions, techniques, red flags, contraindications or sources."""
    from backmassage.browse import list_items, parse_kind

    kind = parse_kind(kind)
    items = list_items(api.load_knowledge(kb), kind)
    if as_json:
        print_json(items)
        return
    from backmassage.render import make_console, render_list

    render_list(kind, items, make_console(no_color=no_color))


def _list_alias(kind: str, what: str, jq: str) -> None:
    """``backmassage KIND``, the same as ``backmassage list KIND``."""
    def alias(as_json: JsonOption = False, no_color: NoColorOption = False, kb: KbOption = None) -> None:
        list_command(kind, as_json, no_color, kb)

    app.command(kind, cls=Command, help=f"List {what} the knowledge knows.", epilog=(
        f"Examples:\n\n  backmassage {kind}\n\n  backmassage {kind} --json{jq}\n\n"
        f"The same as: backmassage list {kind}."))(alias)


_list_alias("conditions", "the back-pain patterns", " | jq '.[].id'")
_list_alias("techniques", "the kinds of massage", "")


@app.command(cls=Command, epilog=(
    "Examples:\n\n  backmassage explain sciatica\n\n  backmassage explain deep-tissue\n\n"
    "  backmassage explain cauda-equina\n\n  backmassage explain nice-ng59\n\n"
    "Where a condition and a contraindication share an id (fibromyalgia), both are shown; "
    "with --json the first is the object and the others are under \"also\"."))
def explain(
    item_id: Annotated[str, _argument("ID", "The id of a condition, technique, red flag, contraindication or source "
                                            "(see backmassage list KIND).")],
    as_json: JsonOption = False,
    no_color: NoColorOption = False,
    kb: KbOption = None,
) -> None:
    """Describe one condition, technique, red flag, contraindication or source, with its sources."""
    from backmassage.browse import describe_item, describe_items

    knowledge = api.load_knowledge(kb)
    if as_json:
        print_json(describe_item(knowledge, item_id))
        return
    from backmassage.render import make_console, render_items

    render_items(describe_items(knowledge, item_id), make_console(no_color=no_color))


# --- knowledge tools ---------------------------------------------------------------------------

def _folder(folder: Optional[str], kb: Optional[Path]) -> Path:
    return Path(folder or kb or api.bundled_folder())


@kb_app.command("validate", cls=Command, epilog=(
    "Examples:\n\n  backmassage kb validate\n\n  backmassage kb validate ./my-knowledge\n\n"
    "Exit 0 when valid, 2 when not. A custom folder may add safety rules but never weaken "
    "the bundled ones (backmassage explain cauda-equina shows one)."))
def kb_validate(
    folder: Annotated[Optional[str], _argument(
        "[DIR]", "The folder to check (default: --kb, or the bundled knowledge).")] = None,
    kb: KbOption = None,
) -> None:
    """Check a knowledge folder and list every problem with its file and line."""
    target = _folder(folder, kb)
    knowledge, problems, warnings = api.validate_knowledge(target)
    if problems or knowledge is None:
        exits.say("\n".join(problems))
        fail(f"{_count(len(problems), 'problem')} in {target}")
    for warning in warnings:
        exits.say(f"warning: {warning}")
    try:
        strays = sorted(p.name for p in target.iterdir()
                        if p.suffix in (".yaml", ".yml") and p.name not in api.KNOWLEDGE_FILES)
    except OSError:
        strays = []
    for name in strays:
        exits.say(f"{target}{os.sep}{name}: note: not read; a knowledge folder holds {', '.join(api.KNOWLEDGE_FILES)}")
    kinds = {"condition": knowledge.conditions, "technique": knowledge.techniques, "red flag": knowledge.red_flags,
             "contraindication": knowledge.contraindications, "source": knowledge.sources}
    _echo(f"{target}: knowledge {knowledge.version}, " + ", ".join(_count(len(v), k) for k, v in kinds.items()))
    _echo(f"{target}: valid")


@kb_app.command("test", cls=Command, epilog=(
    "Examples:\n\n  backmassage kb test\n\n  backmassage kb test ./my-knowledge\n\n"
    "Runs the clinical cases of cases.yaml in the folder against that folder. "
    "Exit 0 when every case passes, 2 when the folder or its cases are invalid, 3 when a case fails."))
def kb_test(
    folder: Annotated[Optional[str], _argument(
        "[DIR]", "The folder whose cases to run (default: --kb, or the bundled knowledge).")] = None,
    kb: KbOption = None,
) -> None:
    """Run a knowledge folder's own clinical cases and name each one that fails."""
    target = _folder(folder, kb)
    results = api.run_cases(api.load_knowledge(target))
    failed = [result for result in results if result.problems]
    for result in failed:
        exits.say(f"FAIL {result.id}: " + "; ".join(result.problems))
    _echo(f"{target}: {len(results) - len(failed)} of {_count(len(results), 'case')} pass")
    if failed:
        raise typer.Exit(exits.ROWS_INVALID)


@kb_app.command("schema", cls=Command, epilog=(
    "Examples:\n\n  backmassage kb schema > knowledge.schema.json\n\n"
    "Then start each knowledge file with the line\n\n"
    "  # yaml-language-server: $schema=./knowledge.schema.json\n\n"
    "The schema is the same for every folder, so this command takes no --kb."))
def kb_schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the knowledge files, for editors that check YAML as you type."""
    print_json(api.knowledge_schema())


# --- shell completion --------------------------------------------------------------------------

@app.command(cls=Command, epilog=(
    "Examples:\n\n"
    "  backmassage completion bash >> ~/.bashrc\n\n"
    "  backmassage completion zsh > \"${fpath[1]}/_backmassage\"\n\n"
    "  backmassage completion fish > ~/.config/fish/completions/backmassage.fish\n\n"
    "  backmassage completion zsh --install        # or: backmassage --install-completion\n\n"
    "Then open a new terminal: Tab completes commands, options and answer values."))
def completion(
    shell: Annotated[str, _argument("SHELL", "bash, zsh, fish or powershell.")],
    install: Annotated[bool, typer.Option(
        "--install", help="Install the script where the shell finds it, instead of printing it.")] = False,
) -> None:
    """Print the shell completion script for bash, zsh, fish or powershell (or install it)."""
    name = _shell(shell)
    if install:
        install_completion(name)
    sys.stdout.write(get_completion_script(prog_name="backmassage", complete_var=COMPLETE_VAR, shell=name) + "\n")


def _shell(shell: str) -> str:
    name = shell.strip().lower()
    name = "powershell" if name == "pwsh" else name
    if name not in SHELLS:
        hint = suggest(name, SHELLS)
        fail(f"{shell!r} is not a shell this supports: {', '.join(SHELLS)}."
             + (f" Did you mean '{hint}'?" if hint else ""))
    return name


def install_completion(shell: Optional[str]) -> NoReturn:
    """Install the completion script where the shell finds it (typer's installer), and say where."""
    name = _shell(shell or _get_shell_name() or "")
    try:
        installed_as, path = install_script(shell=name, prog_name="backmassage", complete_var=COMPLETE_VAR)
    except OSError as error:
        fail(f"cannot install the {name} completion: {error.strerror or error}")
    _echo(f"{installed_as} completion installed in {path}. Open a new terminal to use it.")
    raise typer.Exit()


# --- batch -------------------------------------------------------------------------------------

@app.command(cls=Command, epilog=(
    "Examples:\n\n"
    "  backmassage batch intake.csv -o triage.html        # a printable list: who must see a doctor first\n\n"
    "  backmassage batch intake.csv -o triage.csv --map \"Pain Location=location\"\n\n"
    "  backmassage batch intake.jsonl | jq -c 'select(.triage == \"urgent\" or .triage == \"emergency\")'\n\n"
    "  export-intake | backmassage batch - --format csv > triage.jsonl\n\n"
    "Columns (CSV header or JSONL keys, any case; spaces, hyphens and underscores alike): id (optional, "
    "passed through), location (required), cause, symptoms, history, unsure (lists separated by ; or , in "
    "CSV, arrays in JSONL), duration, age, pressure, screened (yes/no). --map \"COLUMN=answer\" reads a "
    "column of another name; --map \"COLUMN=\" ignores one. Other columns are ignored with one warning; "
    "a column that looks like an answer (Symptom, Blood Pressure) must be mapped.\n\n"
    "Output: by OUTPUT's extension: .jsonl (one JSON record per row, as recommend --json, with row, line "
    "and id; also on stdout), .csv (one row per person) or .html (a printable report). Written atomically: "
    "all of it, or on error or interruption nothing. A line or CSV row may hold 1,048,576 characters, a CSV "
    "value 131,072; a longer one is that row's error.\n\n"
    "Exit codes: 0 every row triaged, 2 input, output, options or knowledge unusable, 3 some rows invalid "
    "(each has its error record), 130 interrupted (OUTPUT is then left as it was), 141 the reader of "
    "stdout went away."))
def batch(
    source: Annotated[str, _argument("INPUT", "A .csv or .jsonl file of intake answers, or - for stdin.")],
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", metavar="OUTPUT", show_default=False,
        help="Write to this file instead of stdout, atomically; .jsonl, .csv or .html.")] = None,
    input_format: Annotated[Optional[str], typer.Option(
        "--format", metavar="FORMAT", show_default=False,
        help="csv or jsonl (default: from the extension of INPUT; required with -).")] = None,
    output_format: Annotated[Optional[str], typer.Option(
        "--output-format", metavar="FORMAT", show_default=False,
        help="jsonl, csv or html (default: from the extension of OUTPUT; jsonl on stdout).")] = None,
    column_map: Annotated[Optional[list[str]], typer.Option(
        "--map", metavar="COLUMN=ANSWER", show_default=False,
        help="Read a column of another name as an answer, e.g. \"Pain Location=location\"; "
             "\"COLUMN=\" ignores it. Repeatable.")] = None,
    encoding: Annotated[str, typer.Option(
        metavar="CODEC", help="The text encoding of INPUT, e.g. cp1252 for an old Excel export.")] = "utf-8",
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress bar and no summary on stderr (warnings and errors still show).")] = False,
    kb: KbOption = None,
) -> None:
    """Triage a whole day's intake: one recommendation (or error) per row of a CSV or JSONL file.

    Every row gets exactly one record, in input order, so the people who must see a doctor first are known before they arrive. A progress bar shows on stderr in a terminal; a summary naming everyone urgent ends every run on stderr.
    """
    from backmassage import batch as batching
    from backmassage.output import signals_as_interrupt

    knowledge = api.load_knowledge(kb)
    progress = (not quiet and is_terminal(sys.stderr) and os.environ.get("TERM") != "dumb"
                # records on the same terminal show the progress themselves
                and not (output in (None, "-") and is_terminal(sys.stdout)))
    with signals_as_interrupt():
        summary = batching.run_batch(source, output, knowledge, fmt=input_format, out_format=output_format,
                                     encoding=encoding, mapping=column_map or (), progress=progress)
    if not quiet:
        exits.say("\n".join(summary.lines()))
    if summary.errors:
        raise typer.Exit(exits.ROWS_INVALID)


def only_the_command_asked_for(first: list[str]) -> typer.Typer:
    """The app with only the command named first on the command line, when there is one: typer
    turns every registered command's options into click's at each start, a few milliseconds of
    a ~70 ms start, and one command needs only its own. Help, --version, completion and any
    word that names no command get the whole app, so that they list and suggest every command."""
    def named(info: Any) -> str:
        return info.name or info.callback.__name__.replace("_", "-")

    if not first or os.environ.get(COMPLETE_VAR):
        return app
    commands = [info for info in app.registered_commands if named(info) == first[0]]
    groups = [info for info in app.registered_groups if info.name == first[0]]
    if not commands and not groups:
        return app
    lean = copy.copy(app)
    lean.registered_commands, lean.registered_groups = commands, groups
    return lean


def main() -> None:
    """The console script: typer under Group.main, plus a last guard so no traceback reaches a person."""
    try:
        only_the_command_asked_for(sys.argv[1:2])(prog_name="backmassage")
    except KeyboardInterrupt:
        exits.say("Cancelled.")
        sys.exit(exits.INTERRUPTED)
    finally:
        # The process ends next. Freezing the objects spares the interpreter's final garbage
        # collections, which would walk every object only to free memory the OS reclaims
        # anyway: about 7 ms, a tenth of a start (bench/bench_startup.py).
        gc.freeze()
