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
from backmassage.errors import KnowledgeError
from backmassage.records import Record
from backmassage.expressions import Expression, compile_expression, describe

FILE_NAMES = ("manifest.yaml", "sources.yaml", "techniques.yaml", "conditions.yaml",
              "red_flags.yaml", "contraindications.yaml")
MAX_FILE_BYTES = 4 * 1024 * 1024  # 4 MiB: room for ~2,000 conditions; the bundled files are under 50 KiB
CACHE_FORMAT = "2"
MAX_CACHE_BYTES = 16 * 1024 * 1024


class Source(Record):
    __slots__ = ("id", "title", "url")

    def __init__(self, id: str, title: str, url: str | None):
        self.id, self.title, self.url = id, title, url


class Technique(Record):
    __slots__ = ("id", "name", "description", "pressure", "session_minutes", "frequency", "benefits", "sources")

    def __init__(self, id: str, name: str, description: str, pressure: tuple[str, ...], session_minutes: int,
                 frequency: str, benefits: tuple[str, ...], sources: tuple[str, ...]):
        self.id, self.name, self.description = id, name, description
        self.pressure, self.session_minutes, self.frequency = pressure, session_minutes, frequency
        self.benefits, self.sources = benefits, sources


class TechniqueChoice(Record):
    """A technique as one condition ranks it, with why it helps there."""

    __slots__ = ("id", "why")

    def __init__(self, id: str, why: str):
        self.id, self.why = id, why


class Evidence(Record):
    __slots__ = ("expression", "weight")

    def __init__(self, expression: Expression, weight: float):
        self.expression, self.weight = expression, weight


class Condition(Record):
    __slots__ = ("id", "name", "description", "requires", "evidence", "techniques", "cautions", "sources")

    def __init__(self, id: str, name: str, description: str, requires: Expression | None,
                 evidence: tuple[Evidence, ...], techniques: tuple[TechniqueChoice, ...],
                 cautions: tuple[str, ...], sources: tuple[str, ...]):
        self.id, self.name, self.description, self.requires = id, name, description, requires
        self.evidence, self.techniques, self.cautions, self.sources = evidence, techniques, cautions, sources


class Rule(Record):
    """A red flag or a contraindication: when it holds, it sets triage, removes techniques, warns."""

    __slots__ = ("id", "name", "when", "sources", "triage", "advice", "avoid", "reason", "caution",
                 "is_red_flag", "when_text")

    def __init__(self, id: str, name: str, when: Expression, sources: tuple[str, ...], triage: str | None = None,
                 advice: str | None = None, avoid: tuple[str, ...] = (), reason: str | None = None,
                 caution: str | None = None, is_red_flag: bool = False, when_text: str = ""):
        self.id, self.name, self.when, self.sources = id, name, when, sources
        self.triage, self.advice, self.avoid, self.reason = triage, advice, avoid, reason
        self.caution, self.is_red_flag = caution, is_red_flag
        self.when_text = when_text  # the rule's condition in words, for people auditing it


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

    Raises ``KnowledgeError`` listing every problem when the folder is not valid, or when it
    drops or weakens a red flag of the bundled knowledge (docs/knowledge.md, Safety floor).
    """
    folder = Path(path) if path is not None else bundled_folder()
    bundled = path is None or _is_bundled(folder)
    data, cached = _checked_data(folder, bundled)
    if cached:
        try:
            return build(data, str(folder))
        except Exception:  # noqa: BLE001 - a cache entry of the right texts but a damaged body
            data, _ = _checked_data(folder, bundled, use_cache=False)
    return build(data, str(folder))


def validate_folder(folder: Path) -> tuple[dict[str, Any], list[str]]:
    """Check a folder in full, never trusting the cache: the checked data and every problem,
    each ``FOLDER/file:line: path: message``. Used by ``backmassage kb validate``."""
    try:
        data, _ = _checked_data(folder, _is_bundled(folder), use_cache=False)
    except KnowledgeError as error:
        return {}, error.problems
    return data, []


def _is_bundled(folder: Path) -> bool:
    try:
        return folder.resolve() == bundled_folder().resolve()
    except (OSError, RuntimeError):
        return False


_FLOOR_TEXT = "bundled red_flags.yaml"  # part of a custom folder's cache identity


def _checked_data(folder: Path, bundled: bool, use_cache: bool = True) -> tuple[dict[str, Any], bool]:
    """The checked data of a folder, and whether it came from the cache.

    A custom folder is checked against the red flags of the bundled one, so the bundled
    red_flags.yaml is part of what its cache entry must match.
    """
    contents = read_folder(folder)
    texts = contents if bundled else dict(contents, **{_FLOOR_TEXT: _bundled_red_flags_text()})
    key = _cache_key(folder, contents)
    data = _read_cache(key, texts) if use_cache else None
    if data is not None:
        return data, True
    from backmassage import schema  # imports PyYAML: only when the cache cannot serve

    floor = None if bundled else _floor()
    data, problems = schema.check_files(contents, floor)
    if problems:
        raise KnowledgeError(_in_folder(folder, problems))
    _write_cache(key, texts, data)
    return data, False


def _bundled_red_flags_text() -> str:
    try:
        return _read_text(bundled_folder() / "red_flags.yaml")
    except (OSError, ValueError):
        return ""  # reported when the floor is computed


def _floor() -> list[dict[str, Any]]:
    from backmassage import schema

    try:
        data, cached = _checked_data(bundled_folder(), True)
        try:
            return schema.floor_rules(data)
        except (KeyError, TypeError, AttributeError):  # a damaged cache entry
            if not cached:
                raise
        data, _ = _checked_data(bundled_folder(), True, use_cache=False)
        return schema.floor_rules(data)
    except KnowledgeError:
        raise KnowledgeError(["the bundled knowledge is not valid, so the red flags every knowledge folder must "
                              "keep are unknown: run 'backmassage kb validate' to see why"]) from None


def _in_folder(folder: Path, problems: list[str]) -> list[str]:
    return [f"{folder}{os.sep}{problem}" for problem in problems]


def read_folder(folder: Path) -> dict[str, str]:
    """The text of each knowledge file; refuses what is missing, too big, not a file, or not UTF-8."""
    if not folder.is_dir():
        why = "not a folder" if folder.exists() else "no such folder"
        raise KnowledgeError([f"{folder}: not a knowledge folder ({why})"])
    contents, problems = {}, []
    for name in FILE_NAMES:
        try:
            contents[name] = _read_text(folder / name)
        except FileNotFoundError:
            problems.append(f"{name}: missing: a knowledge folder holds all of {', '.join(FILE_NAMES)}")
        except OSError as error:
            problems.append(f"{name}: cannot be read: {error.strerror or error}")
        except ValueError as error:
            problems.append(f"{name}:{error}" if str(error)[:1].isdigit() else f"{name}: {error}")
    if problems:
        raise KnowledgeError(_in_folder(folder, problems))
    return contents


def _read_bytes(path: Path, limit: int, owned: bool = False) -> bytes:
    """At most ``limit + 1`` bytes of a regular file. Opening never blocks: O_NONBLOCK keeps a
    FIFO without a writer from hanging, and a FIFO or device is refused before any read.
    ``owned``: the file must belong to this user (a cache entry nobody else could have planted)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                 | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file (a folder, device or pipe): a knowledge file must be a plain file")
        if owned and hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o022):
            raise ValueError("not written by this user")
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
    """Where the platform keeps caches (BACKMASSAGE_CACHE_DIR overrides; empty turns caching off).

    None, so no cache, when no absolute place is known (HOME unset, say): never the current folder.
    """
    override = os.environ.get("BACKMASSAGE_CACHE_DIR")
    if override is not None:
        return Path(override) if override else None
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "backmassage" / "Cache" if base and os.path.isabs(base) else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg) and sys.platform != "darwin":
        return Path(xdg) / "backmassage"
    if not os.path.isabs(os.environ.get("HOME", "/")):
        return None  # HOME set but empty or relative: Python would make it "/" or the current folder
    try:
        home = Path.home()  # HOME, else the user database
    except (RuntimeError, KeyError, OSError):
        return None
    if not home.is_absolute():
        return None
    return home / "Library" / "Caches" / "backmassage" if sys.platform == "darwin" else home / ".cache" / "backmassage"


def _cache_key(folder: Path, contents: dict[str, str]) -> str:
    """Names the cache entry; the entry itself holds the texts it was built from, compared in full."""
    key = zlib.crc32(f"{CACHE_FORMAT}\0{__version__}\0{folder.resolve()}".encode())
    for name in FILE_NAMES:
        key = zlib.crc32(contents[name].encode("utf-8"), key)
    return f"{key:08x}"


def _program_id() -> str:
    """This program's version, and the size and time of the files that decide what is valid,
    so that a checker changed without a new version (while developing) never trusts an old entry."""
    here = Path(__file__).parent
    parts = [__version__, CACHE_FORMAT]
    for name in ("schema.py", "vocabulary.py", "answers.py"):
        try:
            info = os.stat(here / name)
            parts.append(f"{info.st_size}.{info.st_mtime_ns}")
        except OSError:
            parts.append("-")
    return ":".join(parts)


def _read_cache(key: str, contents: dict[str, str]) -> dict[str, Any] | None:
    """The cached data for exactly these texts, or None; a missing, damaged, foreign or stale
    entry only costs a full check."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        raw = _read_bytes(folder / f"knowledge-{key}.json", MAX_CACHE_BYTES, owned=True)
        cached = json.loads(raw)
        fresh = cached["version"] == _program_id() and cached["format"] == CACHE_FORMAT and cached["texts"] == contents
        return cached["data"] if fresh and isinstance(cached["data"], dict) else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
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
                json.dump({"version": _program_id(), "format": CACHE_FORMAT, "texts": contents, "data": data}, file, ensure_ascii=False, separators=(",", ":"))
            os.replace(temp, folder / f"knowledge-{key}.json")
        except BaseException:
            os.unlink(temp)
            raise
    except OSError:
        pass
