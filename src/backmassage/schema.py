"""The schema of the knowledge files (docs/knowledge.md), written once as data, and the checks built on it.

The cold path of loading: it runs for a ``--kb`` folder, for ``backmassage kb validate``, and for
``data/`` only while ``bundled.json`` does not match it. ``compose`` builds YAML nodes from parser
events, so no YAML constructor ever runs. The schema parts (``Text``, ``Record``...) check the nodes,
which know their line, into plain data, and describe themselves as JSON Schema (``kb schema``).
``check_files`` checks what no single file can, ``check_compiled`` what only the compiled rules show.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml  # type: ignore[import-untyped]  # no stubs in the runtime dependencies

from backmassage.answers import DURATION_HINT, normalise, parse_duration
from backmassage.errors import InvalidAnswer, suggest
from backmassage.vocabulary import (CHOICES, LIST_ANSWERS, SOURCE_KINDS, TRIAGE_LEVELS, WARNING_SIGNS, WEAK_KINDS,
                                    severity)

INVALID: Any = object()
MAX_DEPTH = 40  # the bundled files nest 8 deep at most
MAX_NODES = 400_000  # values in one file: ~2,000 detailed conditions; the bundled file has under 1,000

_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, MERGE = (_TAG + name for name in ("str", "int", "float", "bool", "null", "merge"))
SEQ, MAP = _TAG + "seq", _TAG + "map"
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # always fullmatch: "swedish\n" is no id
_URL = re.compile(r"https?://[^\s]+")
# Control, format (zero-width, direction marks), line-breaking, private-use and unassigned characters:
# they could change what a terminal shows, or start a line of their own inside a warning.
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_YAML_TYPES = {BOOL: "a true/false value", INT: "a number", FLOAT: "a number", _TAG + "timestamp": "a date",
               MERGE: "a merge key"}
_resolver = yaml.resolver.Resolver()

Problem = tuple[str, int, str]  # file, line (0: none), message


# --- composing: YAML text to nodes, refusing what a knowledge file never needs -------------

class Unusable(Exception):
    """``Unusable(line, message)``: the text cannot be used at all, and this is the one problem of its file."""


def compose(text: str) -> tuple[yaml.Node, dict[int, tuple[int, str]]]:
    """YAML text to a node tree, and the nodes whose tag is refused: ``id(node) -> (line, message)``.
    Every error of the YAML library is ``Unusable``, and so are anchors and aliases (billion laughs),
    a second document, nesting deeper than MAX_DEPTH and more than MAX_NODES values."""
    refused: dict[int, tuple[int, str]] = {}
    try:
        root = _compose_events(yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)), refused)
    except Unusable:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = error.problem or error.context or "not valid YAML"
        if "nesting depth" in what:  # libyaml's own limit, met while it reads ahead
            raise Unusable(mark.line + 1 if mark else 0, f"nested more than {MAX_DEPTH} levels deep")
        raise Unusable(mark.line + 1 if mark else 0, f"not valid YAML: {what}")
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1 if isinstance(error.position, int) else 0
        char = error.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        raise Unusable(line, f"not valid YAML: the character {shown} is not allowed ({error.reason})")
    except Exception as error:  # noqa: BLE001 - the YAML library raises more than YAMLError
        raise Unusable(0, f"not valid YAML ({type(error).__name__}: {_clip(str(error))})")
    if root is None:
        raise Unusable(1, "the file is empty")
    return root, refused


def _compose_events(events: Any, refused: dict[int, tuple[int, str]]) -> yaml.Node | None:
    """PyYAML's composer, without recursion, anchors, aliases or a second document."""
    root: yaml.Node | None = None
    stack: list[yaml.CollectionNode] = []
    documents = nodes = 0
    for event in events:
        line = event.start_mark.line + 1
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise Unusable(line, "a knowledge file holds one YAML document: remove the second '---'")
        elif isinstance(event, yaml.CollectionEndEvent):
            node = stack.pop()
            node.end_mark = event.end_mark
            if isinstance(node, yaml.MappingNode):  # its keys and values came in turn
                node.value = list(zip(node.value[::2], node.value[1::2]))
        elif isinstance(event, yaml.NodeEvent):  # an alias too: its anchor is the name it refers to
            if event.anchor is not None:
                raise Unusable(line, "anchors and aliases (&name, *name) are not allowed in knowledge files")
            nodes += 1
            if nodes > MAX_NODES:
                raise Unusable(line, f"more than {MAX_NODES} values: too big for a knowledge file")
            if len(stack) >= MAX_DEPTH:
                raise Unusable(line, f"nested more than {MAX_DEPTH} levels deep")
            node = _node(event, refused)
            if stack:
                stack[-1].value.append(node)
            else:
                root = node
            if isinstance(node, yaml.CollectionNode):
                stack.append(node)
    return root


def _node(event: Any, refused: dict[int, tuple[int, str]]) -> yaml.Node:
    tag = event.tag
    if isinstance(event, yaml.ScalarEvent):
        if tag is None or tag == "!":
            tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        node: yaml.Node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        # An explicit tag is allowed only where it changes nothing: !!str, or !!int on 12.
        allowed = tag == STR or tag == _resolver.resolve(yaml.ScalarNode, event.value, (True, False))
    else:
        sequence = isinstance(event, yaml.SequenceStartEvent)
        kind, plain = (yaml.SequenceNode, SEQ) if sequence else (yaml.MappingNode, MAP)
        tag = plain if tag is None or tag == "!" else tag
        node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
        allowed = tag == plain
    if not allowed:
        refused[id(node)] = (event.start_mark.line + 1,
                             f"the tag {_short_tag(tag)!r} is not allowed in knowledge files")
    return node


# --- checking nodes -------------------------------------------------------------------------

@dataclass
class ClaimSeen:
    """A clinical claim met while checking, to be weighed once every source's kind is known."""

    file: str
    line: int
    path: str
    sources: list[str] | None  # None until the record it belongs to lends it its sources


@dataclass
class Checker:
    """Collects the problems, references, named items and claims found in one file."""

    file: str
    refused: dict[int, tuple[int, str]]  # the nodes whose tag compose refused
    problems: list[Problem] = field(default_factory=list)
    references: list[tuple[str, str, int, str]] = field(default_factory=list)  # kind, id, line, path
    items: dict[tuple[str, str], tuple[yaml.Node, Any]] = field(default_factory=dict)  # (kind, id) -> node, value
    claims: list[ClaimSeen] = field(default_factory=list)

    def problem(self, node: yaml.Node, path: list[str], message: str) -> Any:
        self.problems.append((self.file, node.start_mark.line + 1, _where(path) + message))
        return INVALID

    def is_refused(self, node: yaml.Node) -> bool:
        """A node whose tag was refused: its problem counts here too (listed once in the end)."""
        if id(node) in self.refused:
            self.problems.append((self.file, *self.refused[id(node)]))
        return id(node) in self.refused


def _where(path: list[str]) -> str:
    return " > ".join(path) + ": " if path else ""


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(value: str) -> str:
    """A value quoted for a message: control characters escaped, long text shortened."""
    return repr(_clip(value))


def _short_tag(tag: str) -> str:
    return _clip("!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag)


def _did_you_mean(value: str, known: Any) -> str:
    hint = suggest(value, known)
    return f" (did you mean {hint!r}?)" if hint else ""


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.CollectionNode):
        return "a mapping" if isinstance(node, yaml.MappingNode) else "a list"
    return "nothing (null)" if node.tag == NULL else _show(node.value)


class Schema:
    """A part of the schema: checks a node into plain data (or INVALID), and describes itself as JSON Schema."""

    kind: str | None = None  # names the items of a list in messages: condition 'sciatica'

    def check(self, node: yaml.Node, path: list[str], ck: Checker) -> Any:
        return INVALID if ck.is_refused(node) else self.convert(node, path, ck)

    def convert(self, node: yaml.Node, path: list[str], ck: Checker) -> Any:
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError


def _plain_text(node: yaml.Node, path: list[str], ck: Checker, what: str) -> Any:
    """The text of a scalar that YAML also reads as text. An unquoted ``no``, ``1.10`` or ``2024-01-02``
    is not text to YAML (nor to editors and other tools), so it is refused with the fix, never guessed."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == NULL:
        return ck.problem(node, path, f"expected {what}, found {_kind(node)}")
    if node.tag != STR:
        yaml_type = _YAML_TYPES.get(node.tag, _short_tag(node.tag))
        return ck.problem(node, path, f"YAML reads {_clip(node.value)} as {yaml_type}, not as text: "
                                      f"write it in quotes (\"{_clip(node.value)}\") if you mean the text")
    return node.value


def _described(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {**schema, "description": description} if description else schema


@dataclass
class Text(Schema):
    description: str = ""
    nullable: bool = False
    url: bool = False

    def convert(self, node, path, ck):
        if self.nullable and node.tag == NULL:  # only a scalar is null: a tagged list or mapping is refused
            return None
        value = _plain_text(node, path, ck, "text")
        if value is INVALID:
            return value
        value = value.strip()
        if not value:
            return ck.problem(node, path, "expected text, found an empty string")
        bad = next((char for char in value if unicodedata.category(char) in _BAD_CATEGORIES), None)
        if bad:
            return ck.problem(node, path, f"the character U+{ord(bad):04X} (a control, invisible or line-breaking "
                                          "character) is not allowed in text")
        if self.url and not _URL.fullmatch(value):
            return ck.problem(node, path, f"{_show(value)} is not a web address: it must start with https:// or "
                                          "http://")
        return value

    def json_schema(self):
        text = {"type": "string", "pattern": r"^https?://\S+$" if self.url else r"\S"}
        return _described({"anyOf": [text, {"type": "null"}]} if self.nullable else text, self.description)


@dataclass
class Number(Schema):
    low: float
    high: float
    integer: bool = False
    exclusive_low: bool = False  # more than low, not at least low
    nullable: bool = False
    description: str = ""

    def convert(self, node, path, ck):
        if self.nullable and node.tag == NULL:
            return None
        want = "a whole number" if self.integer else "a number"
        if not isinstance(node, yaml.ScalarNode) or node.tag not in ((INT,) if self.integer else (INT, FLOAT)):
            found = _kind(node)
            if isinstance(node, yaml.ScalarNode) and node.tag == STR and node.style in ("'", '"'):
                found = f"the text {found}: remove the quotes"
            return ck.problem(node, path, f"expected {want}, found {found}")
        try:
            value = int(node.value) if self.integer else float(node.value)
        except ValueError:
            return ck.problem(node, path, f"expected {want} written in plain digits, found {_show(node.value)}")
        if not math.isfinite(value):
            return ck.problem(node, path, f"expected {want}, found {_show(node.value)}")
        if (value <= self.low if self.exclusive_low else value < self.low) or value > self.high:
            low = f"more than {self.low:g}" if self.exclusive_low else f"at least {self.low:g}"
            return ck.problem(node, path, f"{_clip(node.value)} is out of range: it must be {low} "
                                          f"and at most {self.high:g}")
        return value

    def json_schema(self):
        number = _described({"type": "integer" if self.integer else "number",
                             "exclusiveMinimum" if self.exclusive_low else "minimum": self.low,
                             "maximum": self.high}, self.description)
        return {"anyOf": [number, {"type": "null"}]} if self.nullable else number


@dataclass
class Id(Schema):
    """An item's id; with ``of``, the id of a source, technique... defined elsewhere (checked once
    every file is read)."""

    of: str | None = None

    def convert(self, node, path, ck):
        value = _plain_text(node, path, ck, "an id")
        if value is not INVALID and not _ID.fullmatch(value):
            return ck.problem(node, path, f"{_show(value)} is not a valid id: use lowercase words joined by hyphens")
        if value is not INVALID and self.of:
            ck.references.append((self.of, value, node.start_mark.line + 1, _where(path)))
        return value

    def json_schema(self):
        return {"type": "string", "pattern": f"^{_ID.pattern}$", "description":
                f"the id of a {self.of}" if self.of else "lowercase words joined by hyphens, e.g. lower-back-strain"}


@dataclass
class Choice(Schema):
    """One value of a fixed vocabulary (the answers of SPEC section 1, or a triage level)."""

    values: tuple[str, ...]
    what: str
    refused: dict[str, str] = field(default_factory=dict)  # value -> why it is not allowed here

    def convert(self, node, path, ck):
        if not isinstance(node, yaml.ScalarNode) or node.tag == NULL:
            return ck.problem(node, path, f"expected a {self.what}, found {_kind(node)}")
        value = node.value  # the literal text: an unquoted `no` is the unknown value 'no', never false
        if value in self.refused:
            return ck.problem(node, path, self.refused[value])
        if value not in self.values:
            hint = _did_you_mean(value, self.values) or f"; valid values: {', '.join(self.values)}"
            return ck.problem(node, path, f"unknown {self.what} {_show(value)}{hint}")
        return value

    def json_schema(self):
        return {"enum": list(self.values), "description": f"a {self.what}"}


class Duration(Schema):
    def convert(self, node, path, ck):
        if not isinstance(node, yaml.ScalarNode) or node.tag == NULL:
            return ck.problem(node, path, f"expected a duration, found {_kind(node)}")
        try:
            days = parse_duration(node.value)[0]
        except InvalidAnswer:
            days = None
        if days is None:
            return ck.problem(node, path, f"{_show(node.value)} is not a duration: give {DURATION_HINT}")
        return days

    def json_schema(self):
        return {"type": "string", "pattern": r"^\s*[0-9]{1,6}\s*[A-Za-z]+\s*$", "description": DURATION_HINT}


class Flag(Schema):
    """true or false."""

    def convert(self, node, path, ck):
        if isinstance(node, yaml.ScalarNode) and node.tag == BOOL and node.value in ("true", "false"):
            return node.value == "true"
        return ck.problem(node, path, f"expected true or false, found {_kind(node)}")

    def json_schema(self):
        return {"type": "boolean"}


@dataclass
class ListOf(Schema):
    item: Schema
    min_items: int = 0
    one_or_many: bool = False  # a single value stands for a list of one
    unique: bool = False  # no value (or, for records, no id) twice
    description: str = ""

    def convert(self, node, path, ck):
        if self.one_or_many and not isinstance(node, yaml.SequenceNode) and node.tag != NULL:
            value = self.item.check(node, path, ck)
            return INVALID if value is INVALID else [value]
        if not isinstance(node, yaml.SequenceNode):
            return ck.problem(node, path, f"expected a list, found {_kind(node)}")
        if len(node.value) < self.min_items:
            return ck.problem(node, path, f"needs at least {self.min_items} item{'s' * (self.min_items > 1)}")
        before, items, seen = len(ck.problems), [], {}
        for index, child in enumerate(node.value):
            if self.item.kind:  # an item with an id is named by it: condition 'sciatica'
                item_id = _mapping_id(child)
                item_path = [f"{self.item.kind} {_show(item_id)}" if item_id else f"{self.item.kind} #{index + 1}"]
            else:
                item_path = path[:-1] + [f"{path[-1]}[{index}]"]
            value = self.item.check(child, item_path, ck)
            items.append(value)
            key = value.get("id") if isinstance(value, dict) else value
            if self.unique and isinstance(key, str) and seen.setdefault(key, index) != index:
                ck.problem(child, item_path, f"{_show(key)} is listed twice (also at [{seen[key]}])")
        return items if len(ck.problems) == before else INVALID

    def json_schema(self):
        listed = {"type": "array", "items": self.item.json_schema()}
        if self.min_items:
            listed["minItems"] = self.min_items
        if self.unique:
            listed["uniqueItems"] = True
        return _described({"anyOf": [self.item.json_schema(), listed]} if self.one_or_many else listed,
                          self.description)


def _mapping_id(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "id" and isinstance(value, yaml.ScalarNode):
                return value.value
    return None


def _key_node(node: yaml.Node, name: str) -> yaml.Node:
    """The key ``name`` of a mapping node (for its line), or the mapping itself."""
    return next((key for key, _ in node.value if isinstance(key, yaml.ScalarNode) and key.value == name), node)


def _mapping_items(node: yaml.MappingNode, path: list[str], ck: Checker) -> list[tuple[str, yaml.Node, yaml.Node]]:
    """The key/value pairs of a mapping; refuses (and leaves out) duplicate, merge and non-text keys."""
    seen: dict[str, int] = {}
    items = []
    for key, value in node.value:
        if ck.is_refused(key):
            continue
        if isinstance(key, yaml.ScalarNode) and key.tag == MERGE:
            ck.problem(key, path, "merge keys (<<) are not allowed in knowledge files")
        elif not isinstance(key, yaml.ScalarNode) or key.tag == NULL:
            ck.problem(key, path, f"keys must be plain words, found {_kind(key)}")
        elif key.value in seen:
            ck.problem(key, path, f"duplicate key {_show(key.value)} (lines {seen[key.value]} and "
                                  f"{key.start_mark.line + 1})")
        else:
            seen[key.value] = key.start_mark.line + 1
            items.append((key.value, key, value))
    return items


class Record(Schema):
    """A mapping of known keys; a key written ``name?`` is optional. A record with ``sources`` lends
    them to the claims inside it that name none (docs/knowledge.md, Claims)."""

    def __init__(self, fields: dict[str, Schema], kind: str | None = None, one_of: tuple[str, ...] = (),
                 together: dict[str, str] | None = None, description: str = ""):
        self.fields = {key.rstrip("?"): schema for key, schema in fields.items()}
        self.required = [key for key in fields if not key.endswith("?")]
        self.kind = kind
        self.one_of = one_of  # at least one of these keys
        self.together = together or {}  # key -> the key it needs
        self.description = description

    def convert(self, node, path, ck):
        if not isinstance(node, yaml.MappingNode):
            return ck.problem(node, path, f"expected a mapping, found {_kind(node)}")
        before, first_claim = len(ck.problems), len(ck.claims)
        result = {}
        for key, key_node, value_node in _mapping_items(node, path, ck):
            if key in self.fields:
                # An item's id names it already: `techniques[2]: unknown technique`, not `techniques[2] > id: ...`
                result[key] = self.fields[key].check(value_node, path if key == "id" else path + [key], ck)
            else:
                ck.problem(key_node, path, f"unknown key {_show(key)}{_did_you_mean(key, self.fields)}")
        for key in self.required:
            if key not in result:
                ck.problem(node, path, f"missing required key {key!r}")
        if self.one_of and not result.keys() & set(self.one_of):
            ck.problem(node, path, f"needs at least one of: {', '.join(self.one_of)}")
        for key, needed in self.together.items():
            if key in result and needed not in result:
                ck.problem(node, path, f"{key!r} needs {needed!r} too")
        claims = ck.claims[first_claim:]
        if len(ck.problems) > before:
            if self.kind:  # the claims of an item that is not valid rest on nothing yet: they are not weighed
                ck.claims[first_claim:] = [claim for claim in claims if claim.sources is not None]
            return INVALID
        for claim in claims:
            if claim.sources is None:
                claim.sources = result.get("sources")
        if self.kind:
            ck.items[(self.kind, result["id"])] = (node, result)
        return result

    def json_schema(self):
        schema = {
            "type": "object",
            "properties": {key: value.json_schema() for key, value in self.fields.items()},
            "required": self.required,
            "additionalProperties": False,
        }
        if self.one_of:
            schema["anyOf"] = [{"required": [key]} for key in self.one_of]
        if self.together:
            schema["dependentRequired"] = {key: [needed] for key, needed in self.together.items()}
        return _described(schema, self.description)


class Bounds(Record):
    """{min: ..., max: ...}, inclusive: an age (whole years) or a duration (days)."""

    def __init__(self, value: Schema):
        super().__init__({"min?": value, "max?": value}, one_of=("min", "max"))

    def convert(self, node, path, ck):
        value = super().convert(node, path, ck)
        if value is not INVALID and value.get("min", -1) > value.get("max", math.inf):
            return ck.problem(node, path, "min is greater than max")
        return value

    def json_schema(self):
        value = self.fields["min"].json_schema()
        return {"type": "object", "properties": {"min": value, "max": value}, "minProperties": 1,
                "additionalProperties": False, "description": "inclusive bounds: min, max or both"}


def _one_or_many(item: Schema) -> ListOf:
    return ListOf(item, min_items=1, one_or_many=True, unique=True)


class Expr(Record):
    """An expression (docs/knowledge.md, Expressions), defined once in the JSON Schema's ``$defs``."""

    def __init__(self, name: str, description: str, with_condition: bool = False, inner: Expr | None = None,
                 weighted: bool = False):  # inner: what all, any and not hold (this expression by default)
        answers = {"location": "location", "cause": "cause", "symptom": "symptoms", "history": "history"}
        keys: dict[str, Schema] = {f"{key}?": _one_or_many(Choice(CHOICES[name], key)) for key, name in answers.items()}
        keys["unsure?"] = _one_or_many(Choice(WARNING_SIGNS, "warning sign"))
        keys.update({"duration?": Bounds(Duration()), "age?": Bounds(Number(1, 120, integer=True))})
        if with_condition:
            keys["condition?"] = _one_or_many(Id("condition"))
        inner = inner or self
        keys.update({"all?": ListOf(inner, min_items=1), "any?": ListOf(inner, min_items=1), "not?": inner})
        one_of = tuple(key.rstrip("?") for key in keys)
        if weighted:
            keys["weight"] = Number(0, 100, exclusive_low=True,
                                    description="how strongly this item points to the condition")
        super().__init__(keys, one_of=one_of, description=description)
        self.name = name

    def json_schema(self):
        return {"$ref": "#/$defs/" + self.name}

    def definition(self) -> dict[str, Any]:
        return super().json_schema()


_EXPRESSION_TEXT = "an expression: keys that must all hold (docs/knowledge.md, Expressions)"
EXPRESSION = Expr("expression", _EXPRESSION_TEXT)
RULE_EXPRESSION = Expr("rule_expression", _EXPRESSION_TEXT, with_condition=True)
EVIDENCE = Expr("evidence", "evidence: an expression and its weight", inner=EXPRESSION, weighted=True)


# --- the files -------------------------------------------------------------------------

SOURCES = ListOf(Id("source"), min_items=1, unique=True, description="ids from sources.yaml")
_CLAIM = Record({"text": Text(), "sources?": SOURCES, "when?": EXPRESSION})


@dataclass
class Claim(Schema):
    """A clinical claim: text resting on the sources of what it belongs to, or {text, sources, when}."""

    description: str = ""

    def convert(self, node, path, ck):
        if isinstance(node, yaml.MappingNode):
            value = _CLAIM.convert(node, path, ck)
        else:
            text = Text().convert(node, path, ck)
            value = INVALID if text is INVALID else {"text": text}
        if value is not INVALID:
            ck.claims.append(ClaimSeen(ck.file, node.start_mark.line + 1, _where(path), value.get("sources")))
        return value

    def json_schema(self):
        return _described({"anyOf": [Text().json_schema(), _CLAIM.json_schema()]}, self.description)


CLAIMS = ListOf(Claim())
TECHNIQUE_CHOICES = ListOf(Record({  # the choice's sources, when given, are those of its why
    "id": Id("technique"),
    "why": ListOf(Claim("why this technique helps here, in plain words"), min_items=1, one_or_many=True,
                  description="the first claim whose `when` holds is shown; when none holds, the technique is "
                              "not offered"),
    "sources?": SOURCES,
}), min_items=1, unique=True, description="best first")

MANIFEST = Record({
    "knowledge_version": Text("shown in --version and in every answer; quote it: \"2026.12.0\""),
    "name": Text("the name of this knowledge"),
    "min_score": Number(0, 1, description="a condition scoring below this is not named"),
    "fallback_techniques": TECHNIQUE_CHOICES,
})
SOURCE = Record({
    "id": Id(),
    "title": Text("authors, year, title, journal or publisher"),
    "url": Text("a web address, or null when there is none", nullable=True, url=True),
    "kind": Choice(SOURCE_KINDS, "kind of source"),
    "original?": Text("the original's citation, when url is a copy"),
}, kind="source")
TECHNIQUE = Record({
    "id": Id(), "name": Text(),
    "description": Text("what the therapist does, in plain words"),
    "pressure": ListOf(Choice(CHOICES["pressure"], "pressure"), min_items=1, one_or_many=True, unique=True,
                       description="the pressures it uses"),
    "benefits": ListOf(Claim(), min_items=1),
    "sources": SOURCES,
}, kind="technique")
DOSE = Record({
    "when?": EXPRESSION,
    "techniques?": ListOf(Id("technique"), min_items=1, unique=True, description="the techniques its trial tested: "
                          "the dose applies only when the massage asked for first is one of them"),
    "session_minutes": Number(5, 240, integer=True, nullable=True, description="whole minutes, or null"),
    "frequency": Text("how often and for how long, in plain words, or null", nullable=True),
    "sources": SOURCES,
}, description="the first dose whose `when` holds is the answer's one dose")
CONDITION = Record({
    "id": Id(), "name": Text(), "description": Text(), "requires?": EXPRESSION,
    "evidence": ListOf(EVIDENCE, min_items=1, description="weighted evidence"),
    "techniques": TECHNIQUE_CHOICES,
    "dose?": ListOf(DOSE), "cautions?": CLAIMS, "self_care?": CLAIMS,
    "sources": SOURCES,
}, kind="condition")

_RULE_TRIAGE = Choice(tuple(level for level in TRIAGE_LEVELS if level != "massage"), "triage level", refused={
    "massage": "a rule's triage must raise the level to see-clinician, urgent or emergency "
               "('massage' changes nothing)"})
_RULE_FIELDS: dict[str, Schema] = {
    "id": Id(), "name": Text(), "when": RULE_EXPRESSION,
    "avoid?": ListOf(Id("technique"), unique=True, description="techniques this rules out until checked"),
    "reason?": Text("why the techniques in avoid are left out"),
    "caution?": Text("a sentence for the person and the therapist"),
    "sources": SOURCES,
}
_AVOID_WITH_REASON = {"avoid": "reason", "reason": "avoid"}
RED_FLAG = Record({**_RULE_FIELDS, "triage": _RULE_TRIAGE, "advice": Text("what to do, where to go, how soon")},
                  kind="red flag", together=_AVOID_WITH_REASON)
CONTRAINDICATION = Record({**_RULE_FIELDS, "triage?": _RULE_TRIAGE}, kind="contraindication",
                          one_of=("avoid", "caution", "triage"), together=_AVOID_WITH_REASON)

WARNING_SIGN = Record({
    "question": Text("a yes/no question in plain words"),
    "why": Text("why it is asked, for the person's '?'"),
    "asked_when?": EXPRESSION,
}, description="a warning sign's question; without asked_when it is always asked")


def _answer(answer: str) -> Record:
    fields: dict[str, Schema] = {"question": Text(), "why": Text("why it is asked, in plain words")}
    if answer in CHOICES:
        value = Record({
            "label": Text("plain words for the value"),
            "synonyms?": ListOf(Text(), unique=True, description="what people and clinic software write for this "
                                                                 "value"),
            "implies?": ListOf(Choice(CHOICES[answer], answer), unique=True),
            **({"warning_sign?": WARNING_SIGN} if answer == "symptoms" else {}),
        })
        fields["values"] = Record({name: value for name in CHOICES[answer]})
    return Record(fields)


CASE = Record({
    "id": Id(),
    "answers": Record({
        **{name + "?": Text() for name in ("location", "cause", "duration", "pressure")},
        **{name + "?": ListOf(Text(), one_or_many=True) for name in ("symptoms", "history", "unsure")},
        "age?": Number(1, 120, integer=True),
        "screened?": Flag(),
    }),
    "expect": Record({
        "triage?": Choice(TRIAGE_LEVELS, "triage level"),
        "techniques_barred?": ListOf(Id("technique"), unique=True),
        "techniques_allowed?": ListOf(Id("technique"), unique=True),
        "condition?": Id("condition"),
    }, one_of=("triage", "techniques_barred", "techniques_allowed", "condition")),
    "sources": SOURCES,
    "note?": Text("the guideline the case follows, in one line"),
}, kind="case")

FILES: dict[str, Record] = {
    "manifest.yaml": MANIFEST,
    "sources.yaml": Record({"sources": ListOf(SOURCE, min_items=1)}),
    "answers.yaml": Record({"answers": Record({name: _answer(name) for name in (*CHOICES, "duration", "age")})}),
    "techniques.yaml": Record({"techniques": ListOf(TECHNIQUE, min_items=1)}),
    "conditions.yaml": Record({"conditions": ListOf(CONDITION, min_items=1)}),
    "red_flags.yaml": Record({"red_flags": ListOf(RED_FLAG)}),
    "contraindications.yaml": Record({"contraindications": ListOf(CONTRAINDICATION)}),
    "cases.yaml": Record({"cases": ListOf(CASE)}),
}
DEFINES = {"sources.yaml": "source", "techniques.yaml": "technique", "conditions.yaml": "condition",
           "red_flags.yaml": "red flag", "contraindications.yaml": "contraindication", "cases.yaml": "case"}
_RULE_FILES = {"red flag": "red_flags.yaml", "contraindication": "contraindications.yaml"}


# --- all files together ------------------------------------------------------------------

def check_files(contents: dict[str, str], floor: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Check every file against the schema, then ids, references, claims and the safety floor.

    ``contents`` maps each file name to its text (``cases.yaml`` may be missing); ``floor`` is the
    checked bundled knowledge for a custom folder, None for the bundled one. Returns the checked
    data and every problem, each ``file:line: path: message``."""
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    checkers: list[Checker] = []
    defined: dict[str, dict[str, tuple[str, int]]] = {kind: {} for kind in DEFINES.values()}
    unusable: set[str] = set()  # kinds whose list could not be read: references to them go unchecked
    for name, record in FILES.items():
        if name not in contents:
            continue
        try:
            node, refused = compose(contents[name])
        except Unusable as error:
            problems.append((name, *error.args))
            unusable.add(DEFINES.get(name, ""))
            continue
        checker = Checker(name, refused)
        checkers.append(checker)
        value = record.check(node, [], checker)
        problems += [(name, line, message) for line, message in refused.values()] + checker.problems
        if value is not INVALID:
            data[name] = value
        if name in DEFINES and not _collect_ids(name, node, defined, problems, refused):
            unusable.add(DEFINES[name])
    for checker in checkers:
        for kind, ref_id, line, where in checker.references:
            if ref_id not in defined[kind] and kind not in unusable:
                problems.append((checker.file, line, f"{where}unknown {kind} {_show(ref_id)}"
                                 f"{_did_you_mean(ref_id, defined[kind])}"))
    rules = {key: found for checker in checkers for key, found in checker.items.items() if key[0] in _RULE_FILES}
    if "sources.yaml" in data:
        kinds = {source["id"]: source["kind"] for source in data["sources.yaml"]["sources"]}
        claims = [claim for checker in checkers for claim in checker.claims]
        claims += [ClaimSeen(_RULE_FILES[kind], node.start_mark.line + 1, f"{kind} {_show(rule_id)}: ", rule["sources"])
                   for (kind, rule_id), (node, rule) in rules.items()]  # a safety rule is a clinical claim too
        problems += _check_claims(claims, kinds)
    for (kind, rule_id), (node, rule) in rules.items():  # a see-clinician rule says what it removes (SPEC 2)
        if rule.get("triage") == "see-clinician" and "avoid" not in rule:
            problems.append((_RULE_FILES[kind], node.start_mark.line + 1,
                             f"{kind} {_show(rule_id)}: a see-clinician rule must say what it removes until the "
                             "check is done: `avoid: [...]` with a `reason` (or `avoid: []` with a reason why "
                             "nothing needs removing)"))
    if "answers.yaml" in data:
        problems += _check_words(data["answers.yaml"]["answers"], contents["answers.yaml"].splitlines())
    if floor is not None and not problems:
        problems += _check_floor(floor, data, rules)
    order = list(FILES)
    problems = sorted(dict.fromkeys(problems), key=lambda p: (order.index(p[0]), p[1]))
    return data, [f"{file}:{line}: {message}" if line else f"{file}: {message}" for file, line, message in problems]


def _collect_ids(name: str, node: yaml.Node, defined: dict[str, dict[str, tuple[str, int]]],
                 problems: list[Problem], refused: dict[int, tuple[int, str]]) -> bool:
    """Record the ids a file defines (even when other parts of it are wrong), refusing duplicates.
    False when it has no list of items to take ids from: then references to its kind go unchecked,
    rather than each reported as unknown."""
    kind, key = DEFINES[name], name.removesuffix(".yaml")
    items = next((value for k, value in node.value if k.value == key), None) if isinstance(node, yaml.MappingNode) \
        else None
    if not isinstance(items, yaml.SequenceNode) or id(items) in refused:
        return False
    ids = [(item_id, item.start_mark.line + 1) for item in items.value if (item_id := _mapping_id(item)) is not None]
    for item_id, line in ids:
        if item_id in defined[kind]:
            first = defined[kind][item_id]
            problems.append((name, line, f"{kind} {_show(item_id)}: duplicate id (first defined at "
                                         f"{first[0]}:{first[1]})"))
        else:
            defined[kind][item_id] = (name, line)
    return bool(ids) or not items.value


def _check_claims(claims: list[ClaimSeen], kinds: dict[str, str]) -> list[Problem]:
    """No clinical claim may rest only on clinic pages or the founding text (docs/knowledge.md, Claims)."""
    problems = []
    for claim in claims:
        if not claim.sources:
            problems.append((claim.file, claim.line, f"{claim.path}this claim names no source: give it `sources`"))
        elif all(kinds.get(source) in WEAK_KINDS for source in claim.sources):
            problems.append((claim.file, claim.line, f"{claim.path}this claim rests only on sources of kind "
                             f"clinic or founding-text ({', '.join(claim.sources)}): cite a guideline, review, "
                             "trial, textbook, government or professional source, or reword it to what they support"))
    return problems


_RESERVED_WORDS = frozenset({"none", "no", "n", "nothing", "neither", "yes", "y"})


def _check_words(answers: dict[str, Any], lines: list[str]) -> list[Problem]:
    """Labels and synonyms: none may mean two values or be a reserved word, and list answers'
    words hold no comma or semicolon; only SPEC's warning signs have a warning_sign question."""
    problems: list[Problem] = []
    owner: dict[str, tuple[str, str]] = {}

    def problem(text: str, message: str) -> None:  # on the first line that holds the text
        line = next((number for number, written in enumerate(lines, 1) if text in written), 0)
        problems.append(("answers.yaml", line, message))

    for answer in CHOICES:
        for value, entry in answers[answer]["values"].items():
            where = f"{answer} > {value}: "
            for word in [value, entry["label"], *entry.get("synonyms", ())]:
                if answer in LIST_ANSWERS and re.search(r"[,;]", word):
                    problem(word, f"{where}{_show(word)} holds a comma or semicolon, which separate the items of "
                                  "a list answer")
                if normalise(word) in _RESERVED_WORDS:
                    problem(word, f"{where}{_show(word)} is a reserved word (yes, no, none)")
                other = owner.setdefault(normalise(word), (answer, value))
                if other != (answer, value):
                    problem(word, f"{where}{_show(word)} already means {other[0]} {other[1]!r}: a word may stand "
                                  "for one value only")
            is_sign = answer == "symptoms" and value in WARNING_SIGNS
            if ("warning_sign" in entry) != is_sign:
                problem(f"{value}:", where + ("a warning sign needs its warning_sign question" if is_sign else
                                              "only the warning signs of SPEC section 1 have a warning_sign question"))
    return problems


# --- the safety floor of a custom knowledge folder ------------------------------------------------

def canonical(expression: Any) -> Any:
    """An expression in one spelling: `symptom: fever` equals `symptom: [fever]`, order aside."""
    if isinstance(expression, dict):
        return {key: canonical(value) for key, value in sorted(expression.items())}
    if isinstance(expression, list):
        return sorted((canonical(item) for item in expression), key=repr)
    return expression


def _check_floor(floor: dict[str, Any], data: dict[str, Any],
                 rules: dict[tuple[str, str], tuple[yaml.Node, Any]]) -> list[Problem]:
    """A custom folder may add safety rules, never weaken one: every bundled red flag and
    contraindication stays, with the same `when`, at least as urgent, removing at least the same
    techniques, with the same advice; every warning-sign question stays, asked at least as often."""
    from backmassage.expressions import describe

    problems: list[Problem] = []
    for kind, file in _RULE_FILES.items():
        for bundled in floor[file][file.removesuffix(".yaml")]:
            if (kind, bundled["id"]) not in rules:
                problems.append((file, 1, f"{kind} {bundled['id']!r} of the bundled knowledge is missing: a knowledge "
                                 f"folder may add {kind}s but never drop one (docs/knowledge.md, Safety floor)"))
                continue
            node, rule = rules[(kind, bundled["id"])]
            triage, dropped = rule.get("triage"), set(bundled.get("avoid", ())) - set(rule.get("avoid", ()))
            weakened = [  # (key, whether the custom rule weakens it there, why it may not)
                ("when", canonical(rule["when"]) != canonical(bundled["when"]),
                 f"differs from the bundled rule ({describe(bundled['when'])}): a bundled rule's when cannot "
                 "change; add a rule of your own to widen it"),
                ("triage", "triage" in bundled and severity(triage or "massage") < severity(bundled["triage"]),
                 f"{triage!r} is less urgent than the bundled {bundled.get('triage')!r}: a bundled rule's triage "
                 "can be raised, never lowered"),
                ("avoid", bool(dropped), f"leaves out {', '.join(sorted(dropped))}, which the bundled rule removes: "
                 "a bundled rule may remove more techniques, never fewer"),
                *((key, key in bundled and rule.get(key) != bundled[key], "differs from the bundled rule's: the "
                   "safety advice of a bundled rule cannot be reworded; add a rule of your own")
                  for key in ("advice", "reason", "caution")),
            ]
            problems += [(file, _key_node(node, key).start_mark.line + 1, f"{kind} {bundled['id']!r} > {key}: {why}")
                         for key, weakens, why in weakened if weakens]
    for sign in WARNING_SIGNS:
        asked_when = data["answers.yaml"]["answers"]["symptoms"]["values"][sign]["warning_sign"].get("asked_when")
        bundled = floor["answers.yaml"]["answers"]["symptoms"]["values"][sign]["warning_sign"].get("asked_when")
        if asked_when is not None and canonical(asked_when) != canonical(bundled):
            problems.append(("answers.yaml", 0, f"symptoms > {sign} > warning_sign > asked_when: differs from the "
                             "bundled question's: a warning-sign question may be asked more often (remove "
                             "asked_when), never less"))
    return problems


# --- checks on the compiled knowledge ----------------------------------------------------------

def check_compiled(knowledge: Any, floor: dict[str, Any] | None) -> list[str]:
    """What only the compiled rules can show: an unsure warning sign never ends in massage, every
    warning sign is tested by a red flag, every case's answers are valid, and no safety rule counts
    on a warning sign's absence."""
    from backmassage import engine
    from backmassage.answers import Answers, parse_answers
    from backmassage.expressions import atoms, negated_atoms

    problems = []
    tested = set().union(*(atoms(rule.when) for rule in knowledge.red_flags))
    for sign in WARNING_SIGNS:
        if f"symptoms:{sign}" not in tested:
            problems.append(f"red_flags.yaml: no red flag tests the warning sign {sign!r}")
        for location in CHOICES["location"]:
            if engine.recommend(Answers(location=location, unsure=(sign,)), knowledge).triage == "massage":
                problems.append(f"red_flags.yaml: a person who is not sure about {sign!r} ({location} pain) is "
                                f"triaged 'massage': add a red flag with `when: {{unsure: [{sign}]}}`")
                break
    for case in knowledge.cases:
        try:
            parse_answers(knowledge.vocabulary.words, **case["answers"])
        except InvalidAnswer as error:
            problems.append(f"cases.yaml: case {case['id']!r}: its answers are not valid: "
                            + "; ".join(e.describe(e.answer) for e in error.errors))
    for rule in knowledge.rules:
        absent = sorted(atom.partition(":")[2] for atom in negated_atoms(rule.when)
                        if atom.partition(":")[2] in WARNING_SIGNS)
        if absent:
            problems.append(f"{_rule_file(rule)}: rule {rule.id!r} fires only when {', '.join(absent)} is absent: "
                            "a safety rule may never count on a warning sign not being there (it may not have been "
                            "asked)")
    return problems


def _rule_file(rule: Any) -> str:
    return "red_flags.yaml" if rule.is_red_flag else "contraindications.yaml"


def warnings(knowledge: Any) -> list[str]:
    """Rules that can never fire, whatever the answers (kb validate shows them as warnings)."""
    return [f"{_rule_file(rule)}: rule {rule.id!r} can never fire ({rule.when_text})"
            for rule in knowledge.rules if not _can_hold(rule.when)]


def _can_hold(expression: Any) -> bool:
    """Whether one person's answers can make the expression hold: every combination of the answers
    it reads is tried (more than 16 are not tried: then it is taken to hold)."""
    import itertools

    from backmassage.answers import Answers
    from backmassage.expressions import BITS, BestCondition, InRange, Person, atoms, walk

    choice_atoms = sorted(atom for atom in atoms(expression) if not atom.endswith(":*"))
    if len(choice_atoms) > 16:
        return True
    cuts: dict[str, set[int | None]] = {"age": {None}, "duration": {None}}
    conditions: set[str | None] = {None}
    for node in walk(expression):
        if isinstance(node, InRange):
            for bound in (node.low, node.high):
                if bound is not None:
                    cuts[node.answer] |= {max(bound - 1, 0), bound, bound + 1}
        elif isinstance(node, BestCondition):
            conditions |= set(node.ids)
    for chosen in itertools.product((False, True), repeat=len(choice_atoms)):
        on = {atom for atom, yes in zip(choice_atoms, chosen) if yes}
        if sum(atom.startswith("location:") for atom in on) > 1 or sum(atom.startswith("cause:") for atom in on) > 1:
            continue  # one person gives one location and one cause
        if "cause:major-accident" in on:
            on.add("cause:accident")  # as bits_of does: a major accident is an accident too
        bits = sum(BITS[atom] for atom in on)
        for age, days, condition in itertools.product(cuts["age"], cuts["duration"], conditions):
            if expression.holds(Person(Answers(age=age, duration_days=days), bits, condition, condition)):
                return True
    return False


# --- JSON Schema ---------------------------------------------------------------------------

def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) that every knowledge file validates against. The top-level keys
    of all the files share one ``properties``, so an editor checks and completes each key in place;
    ``oneOf`` only says which keys make up which file."""
    properties: dict[str, Any] = {}
    files = []
    for name, record in FILES.items():
        schema = record.json_schema()
        properties.update(schema["properties"])
        files.append({"title": name, "required": schema["required"],
                      "propertyNames": {"enum": list(schema["properties"])}})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://backmassage.invalid/knowledge.schema.json",
        "title": "backmassage knowledge file",
        "description": "One of " + ", ".join(FILES) + " (docs/knowledge.md). backmassage kb validate "
                       "also checks what a schema cannot: ids that exist, duplicates, the sources behind each claim, "
                       "and the safety rules of the bundled knowledge.",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "oneOf": files,
        "$defs": {expression.name: expression.definition() for expression in (EXPRESSION, RULE_EXPRESSION, EVIDENCE)},
    }
