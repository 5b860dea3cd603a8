"""Loading the knowledge: read, check, compile, cache.

The hot path (a cached, unchanged knowledge folder) reads the files, hashes them and loads
the checked data from a JSON cache: PyYAML and the schema are imported only when a file
changed. A cache entry holds the very texts it was checked from and this program's version, and is
used only when both match exactly, so a stale entry is never served.
"""

import json
import os
import stat
import sys
import zlib
from pathlib import Path
from typing import Any, NamedTuple

from backmassage import __version__
from backmassage.errors import KnowledgeError, suggest
from backmassage.expressions import Expression, compile_expression, describe

FILE_NAMES = ("manifest.yaml", "sources.yaml", "techniques.yaml", "conditions.yaml",
              "red_flags.yaml", "contraindications.yaml")
MAX_FILE_BYTES = 8 * 1024 * 1024
CACHE_FORMAT = "1"


class Source(NamedTuple):
    id: str
    title: str
    url: str | None


class Technique(NamedTuple):
    id: str
    name: str
    description: str
    pressure: tuple[str, ...]
    session_minutes: int
    frequency: str
    benefits: tuple[str, ...]
    sources: tuple[str, ...]


class TechniqueChoice(NamedTuple):
    id: str
    why: str


class Evidence(NamedTuple):
    expression: Expression
    weight: float


class Condition(NamedTuple):
    id: str
    name: str
    description: str
    requires: Expression | None
    evidence: tuple[Evidence, ...]
    techniques: tuple[TechniqueChoice, ...]
    cautions: tuple[str, ...]
    sources: tuple[str, ...]


class Rule(NamedTuple):
    """A red flag or a contraindication: when it holds, it sets triage, removes techniques, warns."""

    id: str
    name: str
    when: Expression
    sources: tuple[str, ...]
    triage: str | None = None
    advice: str | None = None
    avoid: tuple[str, ...] = ()
    reason: str | None = None
    caution: str | None = None
    is_red_flag: bool = False
    when_text: str = ""  # the rule's condition in words, for people auditing it


class Knowledge(NamedTuple):
    version: str
    name: str
    min_score: float
    fallback_techniques: tuple[TechniqueChoice, ...]
    sources: dict[str, Source]
    techniques: dict[str, Technique]
    conditions: tuple[Condition, ...]
    red_flags: tuple[Rule, ...]
    contraindications: tuple[Rule, ...]
    folder: str


def bundled_folder() -> Path:
    folder = Path(__file__).with_name("data")  # the usual install: a plain folder, found without importlib
    if folder.is_dir():
        return folder
    from importlib.resources import files

    return Path(str(files("backmassage") / "data"))


def load_knowledge(path: str | os.PathLike[str] | None = None) -> Knowledge:
    """Load and check a knowledge folder laid out like ``data/`` (the bundled one by default).

    Raises ``KnowledgeError`` listing every problem when the folder is not valid.
    """
    folder = Path(path) if path is not None else bundled_folder()
    contents = read_folder(folder)
    key = _cache_key(folder, contents)
    data = _read_cache(key, contents)
    if data is None:
        data, problems = check_files(contents)
        if problems:
            raise KnowledgeError(problems)
        _write_cache(key, contents, data)
    return build(data, str(folder))


def read_folder(folder: Path) -> dict[str, str]:
    """The text of each knowledge file; refuses what is missing, too big, not a file, or not UTF-8."""
    if not folder.is_dir():
        raise KnowledgeError([f"{folder}: not a knowledge folder (no such directory)"])
    contents, problems = {}, []
    for name in FILE_NAMES:
        try:
            contents[name] = _read_text(folder / name)
        except OSError as error:
            problems.append(f"{name}: cannot be read: {error.strerror or error}")
        except ValueError as error:
            problems.append(f"{name}: {error}")
    if problems:
        raise KnowledgeError(problems)
    return contents


def _read_text(path: Path) -> str:
    with open(path, "rb") as file:  # open first, then check: a FIFO or device is never read
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")
        raw = file.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"larger than the {MAX_FILE_BYTES // (1024 * 1024)} MiB a knowledge file may be")
    if b"\0" in raw:
        raise ValueError("binary data (a NUL byte), not a YAML text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ValueError(f"line {line}: not UTF-8 text (byte {raw[error.start]:#04x})") from None


def check_files(contents: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Check every file against the schema and every reference across files.

    Returns the checked data and the list of problems, each ``file:line: path: message``.
    """
    from backmassage import schema  # imports PyYAML: only when the cache cannot serve

    data: dict[str, Any] = {}
    problems: list[tuple[str, int, str]] = []
    references: list[tuple[str, schema.Reference]] = []
    defined: dict[str, dict[str, tuple[str, int]]] = {kind: {} for kind in schema.DEFINES.values()}
    unreadable: set[str] = set()  # kinds whose file is not YAML at all: their references go unchecked
    for name in FILE_NAMES:
        node, error = compose(name, contents[name])
        if error:
            problems.append((name, *_split_problem(error)))
            unreadable.add(schema.DEFINES.get(name, ""))
            continue
        checker = schema.Checker(name)
        value = schema.FILES[name].check(node, [], checker)
        problems += checker.problems
        references += [(name, ref) for ref in checker.references]
        if value is not schema.INVALID:
            data[name] = value
        _collect_ids(name, node, defined, problems)
    for file, ref in references:
        known = defined[ref.kind]
        if ref.id not in known and ref.kind not in unreadable:
            hint = suggest(ref.id, known)
            problems.append((file, ref.line, f"{ref.path}unknown {ref.kind} {ref.id!r}"
                             + (f" (did you mean {hint!r}?)" if hint else "")))
    problems.sort(key=lambda p: (FILE_NAMES.index(p[0]), p[1]))
    return data, [f"{file}:{line}: {message}" if line else f"{file}: {message}"
                  for file, line, message in _unique(problems)]


def _split_problem(text: str) -> tuple[int, str]:
    """'name:12: message' -> (12, 'message'); a problem with no line gets line 0."""
    _, _, rest = text.partition(":")
    line, _, message = rest.partition(":")
    return (int(line), message.strip()) if line.isdigit() else (0, rest.strip())


def _unique(items: list[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


def compose(name: str, text: str) -> tuple[Any, str | None]:
    """YAML text to a node tree, refusing aliases; never raises (every error is a problem)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f"{mark.line + 1}:" if mark else ""
        return None, f"{name}:{line} not valid YAML: {error.problem or error.context}"
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, MemoryError) as error:
        return None, f"{name}: not valid YAML: {type(error).__name__}"
    if node is None:
        return None, f"{name}:1: the file is empty"
    alias_line = _find_alias(node)
    if alias_line:
        return None, f"{name}:{alias_line}: anchors and aliases (&name, *name) are not allowed in knowledge files"
    return node, None


def _find_alias(root: Any) -> int | None:
    """The line of the first node reached twice: PyYAML composes an alias as the same node object."""
    import yaml

    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return node.start_mark.line + 1
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return None


def _collect_ids(name: str, node: Any, defined: dict[str, dict[str, tuple[str, int]]],
                 problems: list[tuple[str, int, str]]) -> None:
    """Record the ids a file defines (even when other parts of it are wrong), refusing duplicates."""
    from backmassage import schema

    kind = schema.DEFINES.get(name)
    if kind is None or not hasattr(node, "value") or not isinstance(node.value, list):
        return
    for key, items in node.value:
        if not hasattr(items, "value") or not isinstance(items.value, list):
            continue
        for item in items.value:
            item_id = schema._mapping_id(item)
            if item_id is None:
                continue
            line = item.start_mark.line + 1
            if item_id in defined[kind]:
                first = defined[kind][item_id]
                problems.append((name, line, f"{kind} {item_id!r}: duplicate id (first defined at {first[0]}:{first[1]})"))
            else:
                defined[kind][item_id] = (name, line)


def build(data: dict[str, Any], folder: str) -> Knowledge:
    """Turn checked data into the engine's immutable knowledge."""
    manifest = data["manifest.yaml"]

    def choices(items: list[dict[str, str]]) -> tuple[TechniqueChoice, ...]:
        return tuple(TechniqueChoice(item["id"], item["why"]) for item in items)

    def rule(item: dict[str, Any], is_red_flag: bool) -> Rule:
        return Rule(id=item["id"], name=item["name"], when=compile_expression(item["when"]),
                    sources=tuple(item["sources"]), triage=item.get("triage"), advice=item.get("advice"),
                    avoid=tuple(item.get("avoid", ())), reason=item.get("reason"),
                    caution=item.get("caution"), is_red_flag=is_red_flag,
                    when_text=describe(item["when"]))

    return Knowledge(
        version=str(manifest["knowledge_version"]),
        name=manifest["name"],
        min_score=float(manifest["min_score"]),
        fallback_techniques=choices(manifest["fallback_techniques"]),
        sources={s["id"]: Source(s["id"], s["title"], s["url"]) for s in data["sources.yaml"]["sources"]},
        techniques={t["id"]: Technique(
            id=t["id"], name=t["name"], description=t["description"], pressure=tuple(t["pressure"]),
            session_minutes=int(t["session_minutes"]), frequency=t["frequency"],
            benefits=tuple(t["benefits"]), sources=tuple(t["sources"]),
        ) for t in data["techniques.yaml"]["techniques"]},
        conditions=tuple(Condition(
            id=c["id"], name=c["name"], description=c["description"],
            requires=compile_expression(c["requires"]) if "requires" in c else None,
            evidence=tuple(Evidence(compile_expression(e), float(e["weight"])) for e in c["evidence"]),
            techniques=choices(c["techniques"]), cautions=tuple(c.get("cautions", ())),
            sources=tuple(c["sources"]),
        ) for c in data["conditions.yaml"]["conditions"]),
        red_flags=tuple(rule(r, True) for r in data["red_flags.yaml"]["red_flags"]),
        contraindications=tuple(rule(r, False) for r in data["contraindications.yaml"]["contraindications"]),
        folder=folder,
    )


# --- the cache ----------------------------------------------------------------------------

def cache_dir() -> Path | None:
    """Where the platform keeps caches (BACKMASSAGE_CACHE_DIR overrides; empty turns caching off)."""
    override = os.environ.get("BACKMASSAGE_CACHE_DIR")
    if override is not None:
        return Path(override) if override else None
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "backmassage" / "Cache" if base else None
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "backmassage"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "backmassage"


def _cache_key(folder: Path, contents: dict[str, str]) -> str:
    """Names the cache entry; the entry itself holds the texts it was built from, compared in full."""
    key = zlib.crc32(f"{CACHE_FORMAT}\0{__version__}\0{folder.resolve()}".encode())
    for name in FILE_NAMES:
        key = zlib.crc32(contents[name].encode("utf-8"), key)
    return f"{key:08x}"


def _read_cache(key: str, contents: dict[str, str]) -> dict[str, Any] | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        with open(folder / f"knowledge-{key}.json", encoding="utf-8") as file:
            cached = json.load(file)
        fresh = cached["version"] == __version__ and cached["format"] == CACHE_FORMAT and cached["texts"] == contents
        return cached["data"] if fresh else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write_cache(key: str, contents: dict[str, str], data: dict[str, Any]) -> None:
    """Best effort and atomic: a cache that cannot be written only costs speed."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        import tempfile

        fd, temp = tempfile.mkstemp(dir=folder, prefix=".knowledge-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump({"version": __version__, "format": CACHE_FORMAT, "texts": contents, "data": data}, file, ensure_ascii=False, separators=(",", ":"))
            os.replace(temp, folder / f"knowledge-{key}.json")
        except BaseException:
            os.unlink(temp)
            raise
    except OSError:
        pass
