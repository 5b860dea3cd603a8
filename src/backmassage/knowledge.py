"""Loading the knowledge: read, check, compile, once.

The bundled knowledge ships already checked (``bundled.json``, made by ``python -m
backmassage.knowledge`` and proved equal to a full check of ``data/`` by the tests), so a
start reads JSON, not YAML. It is used only while every file in ``data/`` has the length and
CRC-32 it was made from; otherwise the folder is checked in full. A ``--kb`` folder is
always checked in full. Nothing is written anywhere, and nothing is kept between loads.

Compiling turns the checked data into immutable records: every expression becomes a test on
the person's answer bits, and every output record (technique advice, avoid, red flag,
source) is built here, so that a recommendation only tests, picks and joins.
"""

# No `from __future__ import annotations`: NamedTuple would compile each string annotation at
# import, a cost every start pays (issue 10).
import json
import os
import stat
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from backmassage.answers import Words, normalise
from backmassage.errors import KnowledgeError
from backmassage.expressions import (BITS, Expression, GateIndex, atoms, compile_expression, describe, gate_index,
                                     gates)
from backmassage.model import Avoid, RedFlag, SourceRef, TechniqueAdvice
from backmassage.vocabulary import CHOICES, SOURCE_KINDS

FILE_NAMES = ("manifest.yaml", "sources.yaml", "answers.yaml", "techniques.yaml", "conditions.yaml",
              "red_flags.yaml", "contraindications.yaml")
OPTIONAL_FILES = ("cases.yaml",)
MAX_FILE_BYTES = 4 * 1024 * 1024  # 4 MiB: room for ~2,000 conditions; the bundled files are under 100 KiB
BUNDLED_CHECKED = Path(__file__).with_name("bundled.json")


class Source(NamedTuple):
    id: str
    title: str
    url: str | None
    kind: str
    original: str | None
    ref: SourceRef
    strength: int  # the kind's place in SOURCE_KINDS: 0 is the strongest


class Claim(NamedTuple):
    """A sentence the knowledge says, its sources, and the answers it is limited to."""

    text: str
    sources: tuple[str, ...]
    when: Expression | None


class Technique(NamedTuple):
    id: str
    name: str
    description: str
    pressure: tuple[str, ...]
    benefits: tuple[Claim, ...]
    sources: tuple[str, ...]
    conditional: bool  # some benefit holds only for some answers


class Dose(NamedTuple):
    when: Expression | None
    session_minutes: int | None
    frequency: str | None
    sources: tuple[str, ...]
    techniques: tuple[str, ...]  # the techniques its trial tested; empty: any massage
    when_data: Mapping[str, Any] | None  # its `when` as written: `when_text` puts it in words

    @property
    def when_text(self) -> str | None:
        return describe(self.when_data) if self.when_data is not None else None


class Choice(NamedTuple):
    """A technique as one condition offers it: why (the first claim whose ``when`` holds), and the
    advice record made for each why and each dose of the condition (the last: no dose)."""

    id: str
    whys: tuple[Claim, ...]
    advice: tuple[tuple[TechniqueAdvice, ...], ...]  # [why index][dose index]


class Evidence(NamedTuple):
    expression: Expression
    weight: float


class Condition(NamedTuple):
    id: str
    name: str
    description: str
    requires: Expression | None
    evidence: tuple[Evidence, ...]
    total_weight: float
    choices: tuple[Choice, ...]
    doses: tuple[Dose, ...]
    cautions: tuple[Claim, ...]
    self_care: tuple[Claim, ...]
    sources: tuple[str, ...]
    gates: tuple[int, ...]  # answer bits its `requires` needs one of, for each mask (expressions.gates)


class Rule(NamedTuple):
    """A red flag or a contraindication: when it holds, it sets triage, removes techniques, warns."""

    id: str
    name: str
    when: Expression
    sources: tuple[str, ...]
    triage: str | None
    advice: str | None
    avoid: tuple[str, ...]
    reason: str | None
    caution: str | None
    is_red_flag: bool
    when_data: Mapping[str, Any]  # the rule's condition as written: `when_text` puts it in words
    avoid_records: tuple[Avoid, ...]
    record: RedFlag | None
    gates: tuple[int, ...]  # answer bits it needs one of to hold, for each mask (expressions.gates)

    @property
    def when_text(self) -> str:
        """The rule's condition in words, for people auditing it."""
        return describe(self.when_data)

    @property
    def atoms(self) -> frozenset[str]:
        """The answers the rule reads ('symptoms:fever'), for people auditing it."""
        return atoms(self.when)


class WarningSign(NamedTuple):
    value: str
    question: str
    why: str
    asked_when: Expression | None


class Vocabulary(NamedTuple):
    """The knowledge's words for the answers of SPEC section 1."""

    labels: Mapping[str, Mapping[str, str]]  # answer -> value -> label
    synonyms: Mapping[str, Mapping[str, tuple[str, ...]]]
    questions: Mapping[str, tuple[str, str]]  # answer -> (question, why it is asked)
    warning_signs: Mapping[str, WarningSign]  # in SPEC order
    words: Words

    def label(self, answer: str, value: str) -> str:
        return self.labels[answer][value]


class Knowledge(NamedTuple):
    version: str
    name: str
    fingerprint: str
    min_score: float
    fallback: tuple[Choice, ...]
    sources: Mapping[str, Source]
    techniques: Mapping[str, Technique]
    conditions: tuple[Condition, ...]
    red_flags: tuple[Rule, ...]
    contraindications: tuple[Rule, ...]
    rules: tuple[Rule, ...]  # red flags, then contraindications
    rule_gates: GateIndex  # which of `rules` can hold for a person's answer bits
    condition_gates: GateIndex  # which of `conditions` can score for them
    vocabulary: Vocabulary
    implied: Mapping[str, int]  # atom -> bits it implies ("cause:major-accident" -> cause:accident)
    cases: tuple[Mapping[str, Any], ...]
    folder: str


# --- loading ---------------------------------------------------------------------------------

def bundled_folder() -> Path:
    folder = Path(__file__).with_name("data")  # the usual install: a plain folder, found without importlib
    if folder.is_dir():
        return folder
    from importlib.resources import files

    return Path(str(files("backmassage") / "data"))


def load_knowledge(path: str | os.PathLike[str] | None = None) -> Knowledge:
    """Load, check and compile a knowledge folder laid out like ``data/`` (the bundled one by default).

    Raises ``KnowledgeError`` listing every problem when the folder is not valid, or when it
    drops or weakens a safety rule of the bundled knowledge (docs/knowledge.md, Safety floor).
    """
    folder = Path(path) if path is not None else bundled_folder()
    if path is None or _is_bundled(folder):
        data, shipped_fingerprint = _bundled()
        return build(data, str(folder), shipped_fingerprint)
    return check_folder(folder)[1]


def bundled_data() -> dict[str, Any]:
    """The checked data of the bundled folder: from bundled.json while it matches ``data/``."""
    return _bundled()[0]


def _bundled() -> tuple[dict[str, Any], str | None]:
    """The bundled folder's checked data and, when it came from bundled.json, its fingerprint."""
    contents = read_folder(bundled_folder())
    try:
        shipped = json.loads(BUNDLED_CHECKED.read_bytes())
        if shipped.get("files") == file_hashes(contents):
            return shipped["data"], shipped["fingerprint"]
    except (OSError, ValueError, AttributeError, KeyError):
        pass
    return check_contents(bundled_folder(), contents, floor=None)[0], None


def check_folder(folder: Path) -> tuple[dict[str, Any], Knowledge]:
    """Check a custom folder in full, against the safety floor of the bundled knowledge."""
    return check_contents(folder, read_folder(folder), floor=bundled_data())


def check_contents(folder: Path, contents: dict[str, str],
                   floor: dict[str, Any] | None) -> tuple[dict[str, Any], Knowledge]:
    """The checked data of a folder's files, and the knowledge compiled from it (compiled once:
    the checks that need the compiled rules use the same)."""
    from backmassage import schema  # imports PyYAML: only when a folder is checked

    data, problems = schema.check_files(contents, floor)
    knowledge = None
    if not problems:
        knowledge = build(data, str(folder))
        problems = schema.check_compiled(knowledge, floor)
    if problems or knowledge is None:
        raise KnowledgeError(_in_folder(folder, problems))
    return data, knowledge


def validate_folder(folder: Path) -> tuple[Knowledge | None, list[str], list[str]]:
    """Check a folder in full: its compiled knowledge (None when not valid), every problem and
    every warning, each ``FOLDER/file:line: path: message``. Used by ``backmassage kb validate``."""
    from backmassage import schema

    try:
        bundled = _is_bundled(folder)
        contents = read_folder(folder)
        knowledge = check_contents(folder, contents, floor=None if bundled else bundled_data())[1]
    except KnowledgeError as error:
        return None, error.problems, []
    return knowledge, [], _in_folder(folder, schema.warnings(knowledge))


def _is_bundled(folder: Path) -> bool:
    try:
        return folder.resolve() == bundled_folder().resolve()
    except (OSError, RuntimeError):
        return False


def _in_folder(folder: Path, problems: list[str]) -> list[str]:
    return [f"{folder}{os.sep}{problem}" for problem in problems]


def file_hashes(contents: Mapping[str, str]) -> dict[str, str]:
    """Each file's length and CRC-32: enough to see that a file of data/ was edited (the package's
    own files are trusted as its code is), and cheaper to start than SHA-256."""
    return {name: f"{len(text)}:{zlib.crc32(text.encode('utf-8')):08x}" for name, text in sorted(contents.items())}


def fingerprint(data: Mapping[str, Any]) -> str:
    """SHA-256 of the checked content: the same for the same knowledge on any machine."""
    import hashlib

    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def read_folder(folder: Path) -> dict[str, str]:
    """The text of each knowledge file; refuses what is missing, too big, a link, not a file, or not UTF-8."""
    if not folder.is_dir():
        why = "not a folder" if folder.exists() else "no such folder"
        raise KnowledgeError([f"{folder}: not a knowledge folder ({why})"])
    contents, problems = {}, []
    for name in FILE_NAMES + OPTIONAL_FILES:
        try:
            contents[name] = _read_text(folder / name)
        except FileNotFoundError:
            if name not in OPTIONAL_FILES:
                problems.append(f"{name}: missing: a knowledge folder holds all of {', '.join(FILE_NAMES)}")
        except OSError as error:
            problems.append(f"{name}: cannot be read: {error.strerror or error}")
        except ValueError as error:
            problems.append(f"{name}:{error}" if str(error)[:1].isdigit() else f"{name}: {error}")
    if problems:
        raise KnowledgeError(_in_folder(folder, problems))
    return contents


def _read_bytes(path: Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of a regular file that is not a link. Opening never blocks:
    O_NONBLOCK keeps a FIFO without a writer from hanging, and a FIFO or device is refused
    before any read; O_NOFOLLOW refuses a link, so no file outside the folder is ever read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0))
    except OSError as error:
        if path.is_symlink():
            raise ValueError("a link to another file: a knowledge file must be a plain file in the folder") from None
        raise error
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("not a regular file (a folder, device or pipe): a knowledge file must be a plain file")
        with open(fd, "rb", closefd=False) as file:
            return file.read(limit + 1)
    finally:
        os.close(fd)


def _read_text(path: Path) -> str:
    raw = _read_bytes(path, MAX_FILE_BYTES)
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"larger than the {MAX_FILE_BYTES // 1024} KiB a knowledge file may be")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("1: UTF-16 text: save the file as UTF-8")
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise ValueError(f"{line}: binary data (a NUL byte), not a YAML text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ValueError(f"{line}: not UTF-8 text (byte {raw[error.start]:#04x}): save the file as UTF-8") from None


# --- compiling -------------------------------------------------------------------------------

def build(data: Mapping[str, Any], folder: str, known_fingerprint: str | None = None) -> Knowledge:
    """Turn checked data into the engine's immutable, compiled knowledge (``known_fingerprint``:
    the one bundled.json was made with, to save computing it again)."""
    vocabulary = _vocabulary(data["answers.yaml"]["answers"])
    label = vocabulary.label

    def expression(item: Mapping[str, Any] | None) -> Expression | None:
        return compile_expression(item, label) if item is not None else None

    def claim(item: Mapping[str, Any], parent: tuple[str, ...]) -> Claim:
        return Claim(item["text"], tuple(item.get("sources", parent)), expression(item.get("when")))

    sources = {s["id"]: Source(s["id"], s["title"], s["url"], s["kind"], s.get("original"),
                               SourceRef(s["id"], s["title"], s["url"], s["kind"]), SOURCE_KINDS.index(s["kind"]))
               for s in data["sources.yaml"]["sources"]}

    def technique(t: Mapping[str, Any]) -> Technique:
        benefits = tuple(claim(b, tuple(t["sources"])) for b in t["benefits"])
        return Technique(t["id"], t["name"], t["description"], tuple(t["pressure"]), benefits, tuple(t["sources"]),
                         conditional=any(benefit.when is not None for benefit in benefits))

    techniques = {t["id"]: technique(t) for t in data["techniques.yaml"]["techniques"]}

    def choices(items: list[Mapping[str, Any]], parent: tuple[str, ...], doses: tuple[Dose, ...]) -> tuple[Choice, ...]:
        made = []
        for item in items:
            technique = techniques[item["id"]]
            whys = tuple(claim(why, tuple(item.get("sources", parent))) for why in item["why"])
            everyone = tuple(b.text for b in technique.benefits if b.when is None)
            made.append(Choice(technique.id, whys, tuple(
                tuple(_advice(technique, everyone, why.text, dose) for dose in doses + (None,)) for why in whys)))
        return tuple(made)

    def condition(c: Mapping[str, Any]) -> Condition:
        parent = tuple(c["sources"])
        doses = tuple(Dose(expression(d.get("when")), d.get("session_minutes"), d.get("frequency"),
                           tuple(d["sources"]), tuple(d.get("techniques", ())), d.get("when"))
                      for d in c.get("dose", ()))
        evidence = tuple(Evidence(compile_expression(e, label), float(e["weight"])) for e in c["evidence"])
        requires = expression(c.get("requires"))
        return Condition(
            id=c["id"], name=c["name"], description=c["description"], requires=requires,
            evidence=evidence, total_weight=sum(e.weight for e in evidence),
            choices=choices(c["techniques"], parent, doses), doses=doses,
            cautions=tuple(claim(x, parent) for x in c.get("cautions", ())),
            self_care=tuple(claim(x, parent) for x in c.get("self_care", ())), sources=parent,
            gates=gates(requires) if requires else ())

    def rule(item: Mapping[str, Any], is_red_flag: bool) -> Rule:
        avoid = tuple(tid for tid in techniques if tid in item.get("avoid", ()))  # in technique order
        reason = item.get("reason") or ""
        when = compile_expression(item["when"], label)
        return Rule(id=item["id"], name=item["name"], when=when, gates=gates(when),
                    sources=tuple(item["sources"]), triage=item.get("triage"), advice=item.get("advice"),
                    avoid=avoid, reason=item.get("reason"), caution=item.get("caution"), is_red_flag=is_red_flag,
                    when_data=item["when"],
                    avoid_records=tuple(Avoid(tid, techniques[tid].name, reason) for tid in avoid),
                    record=RedFlag(item["id"], item["name"], item["advice"], item["triage"]) if is_red_flag else None)

    red_flags = tuple(rule(r, True) for r in data["red_flags.yaml"]["red_flags"])
    contraindications = tuple(rule(r, False) for r in data["contraindications.yaml"]["contraindications"])
    rules = red_flags + contraindications
    conditions = tuple(condition(c) for c in data["conditions.yaml"]["conditions"])
    manifest = data["manifest.yaml"]
    return Knowledge(
        version=str(manifest["knowledge_version"]),
        name=manifest["name"],
        fingerprint=known_fingerprint or fingerprint(data),
        min_score=float(manifest["min_score"]),
        fallback=choices(manifest["fallback_techniques"], (), ()),
        sources=sources,
        techniques=techniques,
        conditions=conditions,
        red_flags=red_flags,
        contraindications=contraindications,
        rules=rules,
        rule_gates=gate_index(rule.gates for rule in rules),
        condition_gates=gate_index(condition.gates for condition in conditions),
        vocabulary=vocabulary,
        implied=_implied(data["answers.yaml"]["answers"]),
        cases=tuple(data.get("cases.yaml", {}).get("cases", ())),
        folder=folder,
    )


def _advice(technique: Technique, benefits: tuple[str, ...], why: str, dose: Dose | None) -> TechniqueAdvice:
    """The advice record, with the benefits that hold for everyone (the engine adds a person's
    conditional ones)."""
    return TechniqueAdvice(technique.id, technique.name, why, benefits, technique.pressure,
                           dose.session_minutes if dose else None, dose.frequency if dose else None,
                           technique.description)


def _vocabulary(answers: Mapping[str, Any]) -> Vocabulary:
    labels: dict[str, dict[str, str]] = {}
    synonyms: dict[str, dict[str, tuple[str, ...]]] = {}
    lookup: dict[str, dict[str, str]] = {}
    for answer, values in CHOICES.items():
        given = answers[answer]["values"]
        labels[answer] = {value: given[value]["label"] for value in values}
        synonyms[answer] = {value: tuple(given[value].get("synonyms", ())) for value in values}
        table: dict[str, str] = {}
        for value in values:
            for word in (value, labels[answer][value], *synonyms[answer][value]):
                table.setdefault(normalise(word), value)
        lookup[answer] = table
    label = lambda answer, value: labels[answer][value]  # noqa: E731
    warning_signs = {}
    for value, entry in answers["symptoms"]["values"].items():
        sign = entry.get("warning_sign")
        if sign:
            asked = sign.get("asked_when")
            warning_signs[value] = WarningSign(value, sign["question"], sign["why"],
                                               compile_expression(asked, label) if asked else None)
    questions = {answer: (entry["question"], entry["why"]) for answer, entry in answers.items()}
    ordered = {value: warning_signs[value] for value in CHOICES["symptoms"] if value in warning_signs}
    return Vocabulary(labels, synonyms, questions, ordered, lookup)


def _implied(answers: Mapping[str, Any]) -> dict[str, int]:
    implied = {}
    for answer in CHOICES:
        for value, entry in answers[answer]["values"].items():
            extra = sum(BITS[f"{answer}:{other}"] for other in entry.get("implies", ()))
            if extra:
                implied[f"{answer}:{value}"] = extra
    return implied


def write_bundled() -> None:
    """Check ``data/`` in full and write ``bundled.json`` (run: python -m backmassage.knowledge)."""
    contents = read_folder(bundled_folder())
    data = check_contents(bundled_folder(), contents, floor=None)[0]
    text = json.dumps({"files": file_hashes(contents), "data": data, "fingerprint": fingerprint(data)},
                      ensure_ascii=False, sort_keys=True, indent=0)
    BUNDLED_CHECKED.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_bundled()
