"""The one schema of the knowledge files, written once as data, and the checks built on it.

This module is the cold path of loading: it runs for a ``--kb`` folder, for ``backmassage kb
validate``, and for the bundled ``data/`` only while ``bundled.json`` does not match it.

1. ``compose`` turns YAML text into a tree of PyYAML nodes *from parser events*, so no YAML
   constructor ever runs: no Python tags, no timestamps, no YAML 1.1 booleans sneaking in
   where text is meant. It refuses anchors and aliases (billion laughs), more than one
   document, nesting deeper than ``MAX_DEPTH`` and more than ``MAX_NODES`` values as soon as
   it meets them, and never raises: every error of the YAML library becomes a problem.
2. The schema parts (``Text``, ``Number``, ``Record``...) check nodes, which still know their
   line, and turn them into plain data, recording every problem with its file, line and
   logical path: ``conditions.yaml:42: condition 'sciatica' > techniques[2]: unknown technique
   'swedsh' (did you mean 'swedish'?)``.
3. ``check_files`` checks every file, then what no single file can: duplicate ids,
   references across files, the sources behind every claim, the words of the answers, and
   the safety floor of a custom folder. ``check_compiled`` checks what only the compiled
   rules show (an unsure warning sign never ends in massage); ``warnings`` finds rules that
   can never fire.
4. The same parts describe themselves as JSON Schema for ``backmassage kb schema``.
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
STR, INT, FLOAT, BOOL, NULL = (_TAG + name for name in ("str", "int", "float", "bool", "null"))
SEQ, MAP = _TAG + "seq", _TAG + "map"
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # always fullmatch: "swedish\n" is no id
_URL = re.compile(r"https?://[^\s]+")
_BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}
_resolver = yaml.resolver.Resolver()


# --- composing: YAML text to nodes, refusing what a knowledge file never needs -------------

class _Refused(Exception):
    def __init__(self, mark: Any, message: str):
        super().__init__(message)
        self.line = mark.line + 1 if mark is not None else 0
        self.message = message


def short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


def compose(text: str) -> tuple[yaml.Node | None, list[tuple[int, str]], set[int]]:
    """YAML text to a node tree; never raises.

    Returns the root node (None when the text cannot be used at all), the problems as
    ``(line, message)`` and the ids of nodes whose tag was refused (already reported).
    """
    problems: list[tuple[int, str]] = []
    refused: set[int] = set()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = _compose_events(yaml.parse(text, Loader=loader), problems, refused)
    except _Refused as error:
        return None, [(error.line, error.message)], set()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = error.problem or error.context or "not valid YAML"
        if "nesting depth" in what:  # libyaml's own limit, met while it reads ahead
            return None, [(mark.line + 1 if mark else 0, f"nested more than {MAX_DEPTH} levels deep")], set()
        return None, [(mark.line + 1 if mark else 0, f"not valid YAML: {what}")], set()
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1 if isinstance(error.position, int) else 0
        char = error.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        return None, [(line, f"not valid YAML: the character {shown} is not allowed ({error.reason})")], set()
    except RecursionError:
        return None, [(0, f"not valid YAML: nested more than {MAX_DEPTH} levels deep")], set()
    except Exception as error:  # noqa: BLE001 - the YAML library raises more than YAMLError
        return None, [(0, f"not valid YAML ({type(error).__name__}: {_clip(str(error))})")], set()
    if root is None:
        return None, [(1, "the file is empty")], set()
    return root, problems, refused


def _compose_events(events: Any, problems: list[tuple[int, str]], refused: set[int]) -> yaml.Node | None:
    """PyYAML's composer, without recursion, aliases, anchors or a second document."""
    root: yaml.Node | None = None
    stack: list[list[Any]] = []  # [collection node, pending mapping key]
    documents = nodes = 0
    for event in events:
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _Refused(event.start_mark, "a knowledge file holds one YAML document: remove the second '---'")
            continue
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(event.start_mark, "anchors and aliases (&name, *name) are not allowed in knowledge files")
        if isinstance(event, yaml.CollectionEndEvent):
            stack.pop()[0].end_mark = event.end_mark
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue  # stream start and end, document end
        if event.anchor is not None:
            raise _Refused(event.start_mark, "anchors and aliases (&name, *name) are not allowed in knowledge files")
        nodes += 1
        if nodes > MAX_NODES:
            raise _Refused(event.start_mark, f"more than {MAX_NODES} values: too big for a knowledge file")
        if len(stack) >= MAX_DEPTH:
            raise _Refused(event.start_mark, f"nested more than {MAX_DEPTH} levels deep")
        node = _node(event, problems, refused)
        if not stack:
            root = node
        else:
            parent = stack[-1]
            if isinstance(parent[0], yaml.SequenceNode):
                parent[0].value.append(node)
            elif parent[1] is None:
                parent[1] = node
            else:
                parent[0].value.append((parent[1], node))
                parent[1] = None
        if isinstance(node, yaml.CollectionNode):
            stack.append([node, None])
    return root


def _node(event: Any, problems: list[tuple[int, str]], refused: set[int]) -> yaml.Node:
    tag = event.tag
    if isinstance(event, yaml.ScalarEvent):
        if tag is None or tag == "!":
            tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        node: yaml.Node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        # An explicit tag is allowed only where it changes nothing: !!str, or !!int on 12.
        allowed = tag == STR or tag == _resolver.resolve(yaml.ScalarNode, event.value, (True, False))
    else:
        kind = yaml.SequenceNode if isinstance(event, yaml.SequenceStartEvent) else yaml.MappingNode
        if tag is None or tag == "!":
            tag = _resolver.resolve(kind, None, event.implicit)
        node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
        allowed = tag == (SEQ if kind is yaml.SequenceNode else MAP)
    if not allowed:
        problems.append((event.start_mark.line + 1,
                         f"the tag {_clip(short_tag(tag))!r} is not allowed in knowledge files"))
        refused.add(id(node))
    return node


# --- checking nodes -------------------------------------------------------------------------

@dataclass
class Reference:
    kind: str
    id: str
    line: int
    path: str


@dataclass
class ClaimSeen:
    """A clinical claim met while checking, to be weighed once every source's kind is known."""

    file: str
    line: int
    path: str
    sources: list[str] | None  # its own, or None: those of the item it belongs to
    item: tuple[str, str] | None


@dataclass
class Checker:
    """Collects the problems, references and named items found in one file."""

    file: str
    refused: set[int] = field(default_factory=set)  # nodes whose tag was already refused
    problems: list[tuple[str, int, str]] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    items: dict[tuple[str, str], tuple[yaml.Node, Any]] = field(default_factory=dict)
    claims: list[ClaimSeen] = field(default_factory=list)
    current: tuple[str, str] | None = None  # the named item (kind, id) being checked

    def problem(self, node: yaml.Node, path: list[str], message: str) -> Any:
        self.problems.append((self.file, node.start_mark.line + 1, _where(path) + message))
        return INVALID


def _where(path: list[str]) -> str:
    return " > ".join(path) + ": " if path else ""


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(value: str) -> str:
    """A value quoted for a message: control characters escaped, long text shortened."""
    return repr(_clip(value))


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == NULL:
        return "nothing (null)"
    return _show(node.value)


_YAML_TYPES = {BOOL: "a true/false value", INT: "a number", FLOAT: "a number",
               _TAG + "timestamp": "a date", _TAG + "merge": "a merge key"}


class Schema:
    def check(self, node: yaml.Node, path: list[str], ck: Checker) -> Any:
        if id(node) in ck.refused:
            return INVALID
        return self.convert(node, path, ck)

    def convert(self, node: yaml.Node, path: list[str], ck: Checker) -> Any:
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError


def _plain_text(node: yaml.Node, path: list[str], ck: Checker, what: str) -> Any:
    """The text of a scalar that YAML also reads as text.

    An unquoted ``no``, ``yes``, ``on``, ``1.10`` or ``2024-01-02`` is not text to YAML (nor to
    editors and other tools reading the file), so it is refused with the fix, never guessed.
    """
    if not isinstance(node, yaml.ScalarNode) or node.tag == NULL:
        return ck.problem(node, path, f"expected {what}, found {_kind(node)}")
    if node.tag != STR:
        yaml_type = _YAML_TYPES.get(node.tag, short_tag(node.tag))
        return ck.problem(node, path, f"YAML reads {_clip(node.value)} as {yaml_type}, not as text: "
                                      f"write it in quotes (\"{_clip(node.value)}\") if you mean the text")
    return node.value


def _bad_character(text: str) -> str | None:
    """Control, format (zero-width, direction marks) and line-breaking characters: they could
    change what a terminal shows, or start a line of their own inside a warning."""
    for char in text:
        if char == " ":
            continue
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") or char in _BIDI:
            return f"U+{ord(char):04X}"
    return None


@dataclass
class Text(Schema):
    description: str = ""
    nullable: bool = False
    url: bool = False

    def convert(self, node, path, ck):
        if self.nullable and isinstance(node, yaml.ScalarNode) and node.tag == NULL:
            return None
        value = _plain_text(node, path, ck, "text")
        if value is INVALID:
            return value
        value = value.strip()
        if not value:
            return ck.problem(node, path, "expected text, found an empty string")
        bad = _bad_character(value)
        if bad:
            return ck.problem(node, path, f"the character {bad} (a control, invisible or line-breaking character) "
                                          "is not allowed in text")
        if self.url and not _URL.fullmatch(value):
            return ck.problem(node, path, f"{_show(value)} is not a web address: it must start with https:// or http://")
        return value

    def json_schema(self):
        text: dict[str, Any] = {"type": "string", "pattern": r"^https?://\S+$" if self.url else r"\S"}
        if self.nullable:
            text = {"anyOf": [text, {"type": "null"}]}
        return _described(text, self.description)


def _described(schema: dict[str, Any], description: str) -> dict[str, Any]:
    if description:
        schema["description"] = description
    return schema


@dataclass
class Number(Schema):
    low: float
    high: float | None = None
    integer: bool = False
    exclusive_low: bool = False
    description: str = ""

    def convert(self, node, path, ck):
        want = "a whole number" if self.integer else "a number"
        tags = (INT,) if self.integer else (INT, FLOAT)
        if not isinstance(node, yaml.ScalarNode) or node.tag not in tags:
            found = _kind(node)
            if isinstance(node, yaml.ScalarNode) and node.tag == STR and node.style in ("'", '"'):
                found = f"the text {found}: remove the quotes"
            return ck.problem(node, path, f"expected {want}, found {found}")
        try:
            value: float = int(node.value) if self.integer else float(node.value)
        except ValueError:
            return ck.problem(node, path, f"expected {want} written in plain digits, found {_show(node.value)}")
        if math.isnan(value) or math.isinf(value):
            return ck.problem(node, path, f"expected {want}, found {_show(node.value)}")
        too_low = value <= self.low if self.exclusive_low else value < self.low
        if too_low or (self.high is not None and value > self.high):
            bound = f"more than {self.low:g}" if self.exclusive_low else f"at least {self.low:g}"
            bound += f" and at most {self.high:g}" if self.high is not None else ""
            return ck.problem(node, path, f"{_clip(node.value)} is out of range: it must be {bound}")
        return value

    def json_schema(self):
        schema: dict[str, Any] = {"type": "integer" if self.integer else "number"}
        schema["exclusiveMinimum" if self.exclusive_low else "minimum"] = self.low
        if self.high is not None:
            schema["maximum"] = self.high
        return _described(schema, self.description)


@dataclass
class Id(Schema):
    description: str = "lowercase words joined by hyphens, e.g. lower-back-strain"

    def convert(self, node, path, ck):
        value = _plain_text(node, path, ck, "an id")
        if value is not INVALID and not _ID.fullmatch(value):
            return ck.problem(node, path, f"{_show(value)} is not a valid id: use lowercase words joined by hyphens")
        return value

    def json_schema(self):
        return {"type": "string", "pattern": f"^{_ID.pattern}$", "description": self.description}


@dataclass
class Ref(Schema):
    """The id of something defined elsewhere in the knowledge; checked once all files are read."""

    kind: str

    def convert(self, node, path, ck):
        value = Id().convert(node, path, ck)
        if value is not INVALID:
            ck.references.append(Reference(self.kind, value, node.start_mark.line + 1, _where(path)))
        return value

    def json_schema(self):
        return {"type": "string", "pattern": f"^{_ID.pattern}$", "description": f"the id of a {self.kind}"}


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
            hint = suggest(value, self.values)
            return ck.problem(node, path, f"unknown {self.what} {_show(value)}"
                              + (f" (did you mean {hint!r}?)" if hint else f"; valid values: {', '.join(self.values)}"))
        return value

    def json_schema(self):
        return {"enum": list(self.values), "description": f"a {self.what}"}


@dataclass
class Duration(Schema):
    def convert(self, node, path, ck):
        if not isinstance(node, yaml.ScalarNode) or node.tag == NULL:
            return ck.problem(node, path, f"expected a duration, found {_kind(node)}")
        try:
            days, _ = parse_duration(node.value)
        except InvalidAnswer:
            days = None
        if days is None:
            return ck.problem(node, path, f"{_show(node.value)} is not a duration: give {DURATION_HINT}")
        return days

    def json_schema(self):
        return {"type": "string", "pattern": r"^\s*[0-9]{1,6}\s*[A-Za-z]+\s*$", "description": DURATION_HINT}


@dataclass
class ListOf(Schema):
    item: Schema
    min_items: int = 0
    one_or_many: bool = False  # a single scalar stands for a list of one
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
        items, seen, ok = [], {}, True
        for index, child in enumerate(node.value):
            item_path = self._item_path(path, index, child)
            outer = ck.current
            if isinstance(self.item, Record) and self.item.kind:
                ck.current = (self.item.kind, _mapping_id(child) or f"#{index + 1}")
            value = self.item.check(child, item_path, ck)
            ck.current = outer
            ok = ok and value is not INVALID
            items.append(value)
            kind = self.item.kind if isinstance(self.item, Record) else None
            if kind and value is not INVALID:
                ck.items[(kind, value["id"])] = (child, value)
            key = value.get("id") if isinstance(value, dict) else value
            if self.unique and isinstance(key, str):
                if key in seen:
                    ok = ck.problem(child, item_path, f"{_show(key)} is listed twice (also at [{seen[key]}])") and False
                else:
                    seen[key] = index
        return items if ok else INVALID

    def _item_path(self, path: list[str], index: int, child: yaml.Node) -> list[str]:
        kind = self.item.kind if isinstance(self.item, Record) else None
        if kind:
            item_id = _mapping_id(child)
            return [f"{kind} {_show(item_id)}" if item_id else f"{kind} #{index + 1}"]
        return path[:-1] + [f"{path[-1]}[{index}]"] if path else [f"[{index}]"]

    def json_schema(self):
        listed: dict[str, Any] = {"type": "array", "items": self.item.json_schema()}
        if self.min_items:
            listed["minItems"] = self.min_items
        if self.unique:
            listed["uniqueItems"] = True
        schema = {"anyOf": [self.item.json_schema(), listed]} if self.one_or_many else listed
        return _described(schema, self.description)


def _mapping_id(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "id" and isinstance(value, yaml.ScalarNode):
                return value.value
    return None


def _key_node(node: yaml.Node, name: str) -> yaml.Node:
    """The key ``name`` of a mapping node (for its line), or the mapping itself."""
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == name:
                return key
    return node


def mapping_items(node: yaml.MappingNode, path: list[str], ck: Checker) -> tuple[list[tuple[str, yaml.Node, yaml.Node]], bool]:
    """The key/value pairs of a mapping; refuses (and leaves out) duplicate, merge and non-text keys."""
    seen: dict[str, int] = {}
    items, ok = [], True
    for key, value in node.value:
        if id(key) in ck.refused:
            ok = False
            continue
        if isinstance(key, yaml.ScalarNode) and key.tag == _TAG + "merge":
            ok = ck.problem(key, path, "merge keys (<<) are not allowed in knowledge files") and False
            continue
        if not isinstance(key, yaml.ScalarNode) or key.tag == NULL:
            ok = ck.problem(key, path, f"keys must be plain words, found {_kind(key)}") and False
            continue
        line = key.start_mark.line + 1
        if key.value in seen:
            ok = ck.problem(key, path, f"duplicate key {_show(key.value)} (lines {seen[key.value]} and {line})") and False
            continue
        seen[key.value] = line
        items.append((key.value, key, value))
    return items, ok


@dataclass
class Field:
    schema: Schema
    required: bool = True


@dataclass
class Record(Schema):
    fields: dict[str, Field]
    kind: str | None = None  # names list items in messages: condition 'sciatica'
    one_of: tuple[str, ...] = ()  # at least one of these keys
    together: dict[str, str] = field(default_factory=dict)  # key -> key it requires
    description: str = ""

    def convert(self, node, path, ck):
        if not isinstance(node, yaml.MappingNode):
            return ck.problem(node, path, f"expected a mapping, found {_kind(node)}")
        items, ok = mapping_items(node, path, ck)
        result: dict[str, Any] = {}
        for key, key_node, value_node in items:
            if key not in self.fields:
                hint = suggest(key, self.fields)
                ok = ck.problem(key_node, path, f"unknown key {_show(key)}"
                                + (f" (did you mean {hint!r}?)" if hint else "")) and False
                continue
            # An item's id names it already: `techniques[2]: unknown technique`, not `techniques[2] > id: ...`
            value = self.fields[key].schema.check(value_node, path if key == "id" else path + [key], ck)
            ok = ok and value is not INVALID
            result[key] = value
        present = {key for key, _, _ in items}
        for key, spec in self.fields.items():
            if spec.required and key not in present:
                ok = ck.problem(node, path, f"missing required key {key!r}") and False
        if self.one_of and not present.intersection(self.one_of):
            ok = ck.problem(node, path, f"needs at least one of: {', '.join(self.one_of)}") and False
        for key, needed in self.together.items():
            if key in present and needed not in present:
                ok = ck.problem(node, path, f"{key!r} needs {needed!r} too") and False
        return result if ok else INVALID

    def json_schema(self):
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {key: spec.schema.json_schema() for key, spec in self.fields.items()},
            "required": [key for key, spec in self.fields.items() if spec.required],
            "additionalProperties": False,
        }
        if self.one_of:
            schema["anyOf"] = [{"required": [key]} for key in self.one_of]
        if self.together:
            schema["dependentRequired"] = {key: [needed] for key, needed in self.together.items()}
        return _described(schema, self.description)


@dataclass
class Bounds(Schema):
    """{min: ..., max: ...} for age (whole years) or duration (days)."""

    of: str

    def _value(self) -> Schema:
        return Duration() if self.of == "duration" else Number(1, 120, integer=True)

    def convert(self, node, path, ck):
        record = Record({"min": Field(self._value(), False), "max": Field(self._value(), False)}, one_of=("min", "max"))
        value = record.check(node, path, ck)
        if value is not INVALID and value.get("min", -1) > value.get("max", math.inf):
            return ck.problem(node, path, "min is greater than max")
        return value if value is INVALID else {k: int(v) for k, v in value.items()}

    def json_schema(self):
        inner = self._value().json_schema()
        return {"type": "object", "properties": {"min": inner, "max": inner},
                "minProperties": 1, "additionalProperties": False,
                "description": "inclusive bounds: min, max or both"}


_ANSWER_KEYS = {"location": "location", "cause": "cause", "symptom": "symptoms", "history": "history",
                "unsure": "unsure"}
_SINGULAR = {"symptoms": "symptom", "unsure": "warning sign"}
_VALUES = {**CHOICES, "unsure": WARNING_SIGNS}


@dataclass
class Expr(Schema):
    """An expression (docs/knowledge.md, Expressions): a mapping of keys that must all hold."""

    with_condition: bool = False
    weighted: bool = False

    def keys(self) -> dict[str, Schema]:
        keys: dict[str, Schema] = {
            key: ListOf(Choice(tuple(_VALUES[answer]), _SINGULAR.get(answer, answer)), min_items=1,
                        one_or_many=True, unique=True)
            for key, answer in _ANSWER_KEYS.items()
        }
        keys["duration"] = Bounds("duration")
        keys["age"] = Bounds("age")
        if self.with_condition:
            keys["condition"] = ListOf(Ref("condition"), min_items=1, one_or_many=True, unique=True)
        inner = Expr(self.with_condition)
        keys["all"] = ListOf(inner, min_items=1)
        keys["any"] = ListOf(inner, min_items=1)
        keys["not"] = inner
        return keys

    def convert(self, node, path, ck):
        fields = {key: Field(schema, False) for key, schema in self.keys().items()}
        if self.weighted:
            fields["weight"] = Field(Number(0, 100, exclusive_low=True))
        expression_keys = tuple(key for key in fields if key != "weight")
        return Record(fields, one_of=expression_keys).check(node, path, ck)

    def json_schema(self):
        if self.weighted:
            return {"$ref": "#/$defs/evidence"}
        return {"$ref": "#/$defs/" + ("rule_expression" if self.with_condition else "expression")}

    def definition(self) -> dict[str, Any]:
        fields = {key: Field(schema, False) for key, schema in self.keys().items()}
        expression_keys = tuple(fields)
        if self.weighted:
            fields["weight"] = Field(Number(0, 100, exclusive_low=True,
                                            description="how strongly this item points to the condition"))
        schema = Record(fields, one_of=expression_keys).json_schema()
        schema["description"] = ("evidence: an expression and its weight" if self.weighted else
                                 "an expression: keys that must all hold (docs/knowledge.md, Expressions)")
        return schema


# --- the files -------------------------------------------------------------------------

@dataclass
class Flag(Schema):
    """true or false."""

    def convert(self, node, path, ck):
        if isinstance(node, yaml.ScalarNode) and node.tag == BOOL and node.value in ("true", "false"):
            return node.value == "true"
        return ck.problem(node, path, f"expected true or false, found {_kind(node)}")

    def json_schema(self):
        return {"type": "boolean"}


SOURCES = Field(ListOf(Ref("source"), min_items=1, unique=True, description="ids from sources.yaml"))


@dataclass
class Claim(Schema):
    """A clinical claim: text resting on its parent's sources, or {text, sources, when}."""

    conditional: bool = True  # may take `when`
    description: str = ""

    def _record(self) -> Record:
        fields = {"text": Field(Text()), "sources": Field(SOURCES.schema, required=False)}
        if self.conditional:
            fields["when"] = Field(Expr(), required=False)
        return Record(fields)

    def convert(self, node, path, ck):
        if isinstance(node, yaml.MappingNode):
            value = self._record().check(node, path, ck)
        else:
            text = Text().check(node, path, ck)
            value = INVALID if text is INVALID else {"text": text}
        if value is not INVALID:
            ck.claims.append(ClaimSeen(ck.file, node.start_mark.line + 1, _where(path), value.get("sources"),
                                       ck.current))
        return value

    def json_schema(self):
        return _described({"anyOf": [Text().json_schema(), self._record().json_schema()]}, self.description)


CLAIMS = ListOf(Claim())


@dataclass
class _ChoiceRecord(Record):
    """A technique choice: its ``sources``, when given, are those of its ``why`` claims."""

    def convert(self, node, path, ck):
        seen = len(ck.claims)
        value = super().convert(node, path, ck)
        if value is not INVALID and "sources" in value:
            for claim in ck.claims[seen:]:
                if claim.sources is None:
                    claim.sources = value["sources"]
        return value


TECHNIQUE_CHOICE = _ChoiceRecord({
    "id": Field(Ref("technique")),
    "why": Field(ListOf(Claim(description="why this technique helps here, in plain words"), min_items=1,
                        one_or_many=True, description="the first claim whose `when` holds is shown; "
                                                      "when none holds, the technique is not offered")),
    "sources": Field(SOURCES.schema, required=False),
})
TECHNIQUE_CHOICES = ListOf(TECHNIQUE_CHOICE, min_items=1, unique=True, description="best first")

MANIFEST = Record({
    "knowledge_version": Field(Text("shown in --version and in every answer; quote it: \"2026.12.0\"")),
    "name": Field(Text("the name of this knowledge")),
    "min_score": Field(Number(0, 1, description="a condition scoring below this is not named")),
    "fallback_techniques": Field(TECHNIQUE_CHOICES),
}, description="manifest.yaml")

SOURCE = Record({
    "id": Field(Id()),
    "title": Field(Text("authors, year, title, journal or publisher")),
    "url": Field(Text("a web address, or null when there is none", nullable=True, url=True)),
    "kind": Field(Choice(SOURCE_KINDS, "kind of source")),
    "original": Field(Text("the original's citation, when url is a copy"), required=False),
}, kind="source")

TECHNIQUE = Record({
    "id": Field(Id()),
    "name": Field(Text()),
    "description": Field(Text("what the therapist does, in plain words")),
    "pressure": Field(ListOf(Choice(tuple(CHOICES["pressure"]), "pressure"), min_items=1, one_or_many=True,
                             unique=True, description="the pressures it uses")),
    "benefits": Field(ListOf(Claim(), min_items=1)),
    "sources": SOURCES,
}, kind="technique")

class _NullableNumber(Number):
    def convert(self, node, path, ck):
        if isinstance(node, yaml.ScalarNode) and node.tag == NULL:
            return None
        value = super().convert(node, path, ck)
        return int(value) if value is not INVALID else value

    def json_schema(self):
        return {"anyOf": [super().json_schema(), {"type": "null"}]}


DOSE = Record({
    "when": Field(Expr(), required=False),
    "techniques": Field(ListOf(Ref("technique"), min_items=1, unique=True,
                               description="the techniques its trial tested: the dose applies only when the "
                                           "massage asked for first is one of them"), required=False),
    "session_minutes": Field(_NullableNumber(5, 240, integer=True, description="whole minutes, or null")),
    "frequency": Field(Text("how often and for how long, in plain words, or null", nullable=True)),
    "sources": SOURCES,
}, description="the first dose whose `when` holds is the answer's one dose")

CONDITION = Record({
    "id": Field(Id()),
    "name": Field(Text()),
    "description": Field(Text()),
    "requires": Field(Expr(), required=False),
    "evidence": Field(ListOf(Expr(weighted=True), min_items=1, description="weighted evidence")),
    "techniques": Field(TECHNIQUE_CHOICES),
    "dose": Field(ListOf(DOSE), required=False),
    "cautions": Field(CLAIMS, required=False),
    "self_care": Field(CLAIMS, required=False),
    "sources": SOURCES,
}, kind="condition")

RAISING = tuple(level for level in TRIAGE_LEVELS if level != "massage")
RULE_TRIAGE = Choice(RAISING, "triage level", refused={
    "massage": "a rule's triage must raise the level to see-clinician, urgent or emergency ('massage' changes nothing)"})
_RULE_FIELDS = {
    "id": Field(Id()),
    "name": Field(Text()),
    "when": Field(Expr(with_condition=True)),
    "avoid": Field(ListOf(Ref("technique"), unique=True, description="techniques this rules out until checked"),
                   required=False),
    "reason": Field(Text("why the techniques in avoid are left out"), required=False),
    "caution": Field(Text("a sentence for the person and the therapist"), required=False),
    "sources": SOURCES,
}
RED_FLAG = Record({
    **_RULE_FIELDS,
    "triage": Field(RULE_TRIAGE),
    "advice": Field(Text("what to do, where to go, how soon")),
}, kind="red flag", together={"avoid": "reason", "reason": "avoid"})
CONTRAINDICATION = Record({
    **_RULE_FIELDS,
    "triage": Field(RULE_TRIAGE, required=False),
}, kind="contraindication", one_of=("avoid", "caution", "triage"), together={"avoid": "reason", "reason": "avoid"})

_WORDS = ListOf(Text(), unique=True, description="what people and clinic software write for this value")
WARNING_SIGN = Record({
    "question": Field(Text("a yes/no question in plain words")),
    "why": Field(Text("why it is asked, for the person's '?'")),
    "asked_when": Field(Expr(), required=False),
}, description="a warning sign's question; without asked_when it is always asked")


def _answer_value(answer: str) -> Record:
    fields = {"label": Field(Text("plain words for the value")), "synonyms": Field(_WORDS, required=False),
              "implies": Field(ListOf(Choice(CHOICES[answer], answer), unique=True), required=False)}
    if answer == "symptoms":
        fields["warning_sign"] = Field(WARNING_SIGN, required=False)
    return Record(fields)


def _answer(answer: str) -> Record:
    fields = {"question": Field(Text()), "why": Field(Text("why it is asked, in plain words"))}
    if answer in CHOICES:
        fields["values"] = Field(Record({value: Field(_answer_value(answer)) for value in CHOICES[answer]}))
    return Record(fields)


ANSWERS = Record({"answers": Field(Record({name: Field(_answer(name))
                                           for name in (*CHOICES, "duration", "age")}))},
                 description="answers.yaml")

_CASE_ANSWERS = Record({
    **{name: Field(Text(), required=False) for name in ("location", "cause", "duration", "pressure")},
    **{name: Field(ListOf(Text(), one_or_many=True), required=False) for name in ("symptoms", "history", "unsure")},
    "age": Field(Number(1, 120, integer=True), required=False),
    "screened": Field(Flag(), required=False),
})
CASE = Record({
    "id": Field(Id()),
    "answers": Field(_CASE_ANSWERS),
    "expect": Field(Record({
        "triage": Field(Choice(TRIAGE_LEVELS, "triage level"), required=False),
        "techniques_barred": Field(ListOf(Ref("technique"), unique=True), required=False),
        "techniques_allowed": Field(ListOf(Ref("technique"), unique=True), required=False),
        "condition": Field(Ref("condition"), required=False),
    }, one_of=("triage", "techniques_barred", "techniques_allowed", "condition"))),
    "sources": SOURCES,
    "note": Field(Text("the guideline the case follows, in one line"), required=False),
}, kind="case")

FILES: dict[str, Record] = {
    "manifest.yaml": MANIFEST,
    "sources.yaml": Record({"sources": Field(ListOf(SOURCE, min_items=1))}),
    "answers.yaml": ANSWERS,
    "techniques.yaml": Record({"techniques": Field(ListOf(TECHNIQUE, min_items=1))}),
    "conditions.yaml": Record({"conditions": Field(ListOf(CONDITION, min_items=1))}),
    "red_flags.yaml": Record({"red_flags": Field(ListOf(RED_FLAG))}),
    "contraindications.yaml": Record({"contraindications": Field(ListOf(CONTRAINDICATION))}),
    "cases.yaml": Record({"cases": Field(ListOf(CASE))}),
}
DEFINES = {"sources.yaml": "source", "techniques.yaml": "technique", "conditions.yaml": "condition",
           "red_flags.yaml": "red flag", "contraindications.yaml": "contraindication", "cases.yaml": "case"}
_RULE_FILES = {"red flag": "red_flags.yaml", "contraindication": "contraindications.yaml"}


# --- all files together ------------------------------------------------------------------

Problem = tuple[str, int, str]


def check_files(contents: dict[str, str], floor: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Check every file against the schema, then ids, references, claims and the safety floor.

    ``contents`` maps each file name to its text (``cases.yaml`` may be missing). ``floor`` is
    the checked data of the bundled knowledge for a custom folder, or None for the bundled one.
    Returns the checked data and every problem, each ``file:line: path: message``.
    """
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    references: list[tuple[str, Reference]] = []
    defined: dict[str, dict[str, tuple[str, int]]] = {kind: {} for kind in DEFINES.values()}
    unusable: set[str] = set()  # kinds whose list could not be read: references to them go unchecked
    checkers: dict[str, Checker] = {}
    for name, record in FILES.items():
        if name not in contents:
            continue
        node, errors, refused = compose(contents[name])
        problems += [(name, line, message) for line, message in errors]
        if node is None:
            unusable.add(DEFINES.get(name, ""))
            continue
        checker = checkers[name] = Checker(name, refused)
        value = record.check(node, [], checker)
        problems += checker.problems
        references += [(name, ref) for ref in checker.references]
        if value is not INVALID:
            data[name] = value
        if name in DEFINES and not _collect_ids(name, node, defined, problems, refused):
            unusable.add(DEFINES[name])
    for file, ref in references:
        known = defined[ref.kind]
        if ref.id not in known and ref.kind not in unusable:
            hint = suggest(ref.id, known)
            problems.append((file, ref.line, f"{ref.path}unknown {ref.kind} {_show(ref.id)}"
                             + (f" (did you mean {hint!r}?)" if hint else "")))
    items = {key: found for checker in checkers.values() for key, found in checker.items.items()}
    if "sources.yaml" in data:
        kinds = {s["id"]: s["kind"] for s in data["sources.yaml"]["sources"]}
        claims = [c for checker in checkers.values() for c in checker.claims]
        claims += [ClaimSeen(_RULE_FILES[kind], node.start_mark.line + 1, f"{kind} {_show(item_id)}: ",
                             value["sources"], None)  # a safety rule is a clinical claim too
                   for (kind, item_id), (node, value) in items.items() if kind in _RULE_FILES]
        problems += _check_claims(claims, items, kinds)
    problems += _check_rules(items)
    if "answers.yaml" in data:
        problems += _check_words(data["answers.yaml"]["answers"], checkers["answers.yaml"].items, contents)
    if floor is not None and not problems:
        problems += _check_floor(floor, data, items, contents)
    order = list(FILES)
    problems = sorted(dict.fromkeys(problems), key=lambda p: (order.index(p[0]), p[1]))
    return data, [f"{file}:{line}: {message}" if line else f"{file}: {message}" for file, line, message in problems]


def _collect_ids(name: str, node: yaml.Node, defined: dict[str, dict[str, tuple[str, int]]],
                 problems: list[Problem], refused: set[int]) -> bool:
    """Record the ids a file defines (even when other parts of it are wrong), refusing duplicates.

    False when the file has no list of items to take ids from: then references to its kind go
    unchecked, rather than each reported as unknown.
    """
    kind = DEFINES[name]
    key = name.removesuffix(".yaml")
    items = next((value for k, value in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None) \
        if isinstance(node, yaml.MappingNode) else None
    if not isinstance(items, yaml.SequenceNode) or id(items) in refused:
        return False
    found = False
    for item in items.value:
        item_id = _mapping_id(item)
        if item_id is None:
            continue
        line = item.start_mark.line + 1
        if item_id in defined[kind]:
            first = defined[kind][item_id]
            problems.append((name, line, f"{kind} {_show(item_id)}: duplicate id (first defined at {first[0]}:{first[1]})"))
        else:
            defined[kind][item_id] = (name, line)
        found = True
    return found or not items.value


def _check_claims(claims: list[ClaimSeen], items: dict[tuple[str, str], tuple[yaml.Node, Any]],
                  kinds: dict[str, str]) -> list[Problem]:
    """No clinical claim may rest only on clinic pages or the founding text (docs/knowledge.md, Claims)."""
    problems = []
    for claim in claims:
        sources = claim.sources
        if sources is None and claim.item is not None:
            if claim.item not in items:
                continue  # its item is not valid: that problem is reported already
            sources = items[claim.item][1].get("sources")
        if not sources:
            problems.append((claim.file, claim.line, f"{claim.path}this claim names no source: give it `sources`"))
        elif all(kinds.get(sid) in WEAK_KINDS for sid in sources):
            problems.append((claim.file, claim.line, f"{claim.path}this claim rests only on sources of kind "
                             f"clinic or founding-text ({', '.join(sources)}): cite a guideline, review, trial, "
                             "textbook, government or professional source, or reword it to what they support"))
    return problems


def _check_rules(items: dict[tuple[str, str], tuple[yaml.Node, Any]]) -> list[Problem]:
    """A see-clinician rule says what it removes until the check is done (SPEC section 2)."""
    problems = []
    for (kind, rule_id), (node, rule) in items.items():
        if kind in _RULE_FILES and rule.get("triage") == "see-clinician" and "avoid" not in rule:
            problems.append((_RULE_FILES[kind], node.start_mark.line + 1,
                             f"{kind} {_show(rule_id)}: a see-clinician rule must say what it removes until the "
                             "check is done: `avoid: [...]` with a `reason` (or `avoid: []` with a reason why "
                             "nothing needs removing)"))
    return problems


_RESERVED_WORDS = frozenset({"none", "no", "n", "nothing", "neither", "yes", "y"})


def _check_words(answers: dict[str, Any], items: Any, contents: dict[str, str]) -> list[Problem]:
    """Labels and synonyms: none may mean two values or be a word of another answer; list
    answers' words hold no comma or semicolon; only SPEC's warning signs have a question."""
    problems: list[Problem] = []
    file = "answers.yaml"
    owner: dict[str, tuple[str, str]] = {}
    lines = contents[file].splitlines()

    def line_of(word: str) -> int:
        return next((number for number, text in enumerate(lines, 1) if word in text), 0)

    for answer in CHOICES:
        for value, entry in answers[answer]["values"].items():
            words = [value, entry["label"], *entry.get("synonyms", ())]
            for word in words:
                key = normalise(word)
                where = f"{answer} > {value}: "
                if answer in LIST_ANSWERS and re.search(r"[,;]", word):
                    problems.append((file, line_of(word), f"{where}{_show(word)} holds a comma or semicolon, "
                                     "which separate the items of a list answer"))
                if key in _RESERVED_WORDS:
                    problems.append((file, line_of(word), f"{where}{_show(word)} is a reserved word (yes, no, none)"))
                other = owner.setdefault(key, (answer, value))
                if other != (answer, value):
                    problems.append((file, line_of(word), f"{where}{_show(word)} already means {other[0]} "
                                     f"{other[1]!r}: a word may stand for one value only"))
            sign = entry.get("warning_sign")
            if (sign is not None) != (value in WARNING_SIGNS and answer == "symptoms"):
                problems.append((file, line_of(f"{value}:"), f"{answer} > {value}: " + (
                    "only the warning signs of SPEC section 1 have a warning_sign question" if sign else
                    "a warning sign needs its warning_sign question")))
    return problems


# --- the safety floor of a custom knowledge folder ------------------------------------------------

def canonical(expression: Any) -> Any:
    """An expression in one spelling: `symptom: fever` equals `symptom: [fever]`, order aside."""
    if isinstance(expression, dict):
        return {key: canonical(value) for key, value in sorted(expression.items())}
    if isinstance(expression, list):
        items = [canonical(item) for item in expression]
        return sorted(items, key=repr)
    return expression


def _check_floor(floor: dict[str, Any], data: dict[str, Any], items: dict[tuple[str, str], tuple[yaml.Node, Any]],
                 contents: dict[str, str]) -> list[Problem]:
    """A custom folder may add safety rules, never weaken one: every bundled red flag and
    contraindication stays, with the same `when`, at least as urgent, removing at least the same
    techniques, with the same advice; every warning-sign question stays, asked at least as often."""
    from backmassage.expressions import describe

    problems: list[Problem] = []
    for kind, file in _RULE_FILES.items():
        key = file.removesuffix(".yaml")
        for rule in floor[file][key]:
            rule_id = rule["id"]
            found = items.get((kind, rule_id))
            if found is None:
                problems.append((file, 1, f"{kind} {rule_id!r} of the bundled knowledge is missing: a knowledge "
                                 f"folder may add {kind}s but never drop one (docs/knowledge.md, Safety floor)"))
                continue
            node, value = found
            where = f"{kind} {rule_id!r} > "
            if canonical(value["when"]) != canonical(rule["when"]):
                problems.append((file, _key_node(node, "when").start_mark.line + 1,
                                 f"{where}when: differs from the bundled rule ({describe(rule['when'])}): a bundled "
                                 "rule's when cannot change; add a rule of your own to widen it"))
            if rule.get("triage") and severity(value.get("triage") or "massage") < severity(rule["triage"]):
                problems.append((file, _key_node(node, "triage").start_mark.line + 1,
                                 f"{where}triage: {value.get('triage')!r} is less urgent than the bundled "
                                 f"{rule['triage']!r}: a bundled rule's triage can be raised, never lowered"))
            dropped = set(rule.get("avoid", ())) - set(value.get("avoid", ()))
            if dropped:
                problems.append((file, _key_node(node, "avoid").start_mark.line + 1,
                                 f"{where}avoid: leaves out {', '.join(sorted(dropped))}, which the bundled rule "
                                 "removes: a bundled rule may remove more techniques, never fewer"))
            for text_key in ("advice", "reason", "caution"):
                if rule.get(text_key) and value.get(text_key) != rule[text_key]:
                    problems.append((file, _key_node(node, text_key).start_mark.line + 1,
                                     f"{where}{text_key}: differs from the bundled rule's: the safety advice of a "
                                     "bundled rule cannot be reworded; add a rule of your own"))
    bundled_signs = floor["answers.yaml"]["answers"]["symptoms"]["values"]
    signs = data.get("answers.yaml", {}).get("answers", {}).get("symptoms", {}).get("values", {})
    for value in WARNING_SIGNS:
        bundled = bundled_signs[value].get("warning_sign", {}).get("asked_when")
        mine = signs.get(value, {}).get("warning_sign", {}).get("asked_when")
        if mine is not None and canonical(mine) != canonical(bundled):
            problems.append(("answers.yaml", 0, f"symptoms > {value} > warning_sign > asked_when: differs from the "
                             "bundled question's: a warning-sign question may be asked more often (remove "
                             "asked_when), never less"))
    return problems


# --- checks on the compiled knowledge ----------------------------------------------------------

def check_compiled(knowledge: Any, floor: dict[str, Any] | None) -> list[str]:
    """What only the compiled rules can show: an unsure warning sign never ends in massage, every
    warning sign is tested by a red flag, and no safety rule counts on a warning sign's absence."""
    from backmassage import engine
    from backmassage.answers import Answers
    from backmassage.expressions import atoms, negated_atoms

    problems = []
    tested: set[str] = set()
    for rule in knowledge.red_flags:
        tested |= atoms(rule.when)
    for value in WARNING_SIGNS:
        if f"symptoms:{value}" not in tested:
            problems.append(f"red_flags.yaml: no red flag tests the warning sign {value!r}")
        for location in CHOICES["location"]:
            rec = engine.recommend(Answers(location=location, unsure=(value,)), knowledge)
            if rec.triage == "massage":
                problems.append(f"red_flags.yaml: a person who is not sure about {value!r} ({location} pain) is "
                                f"triaged 'massage': add a red flag with `when: {{unsure: [{value}]}}`")
                break
    from backmassage.answers import parse_answers
    from backmassage.errors import InvalidAnswer

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
            file = "red_flags.yaml" if rule.is_red_flag else "contraindications.yaml"
            problems.append(f"{file}: rule {rule.id!r} fires only when {', '.join(absent)} is absent: a safety "
                            "rule may never count on a warning sign not being there (it may not have been asked)")
    return problems


def warnings(knowledge: Any) -> list[str]:
    """Rules that can never fire, whatever the answers (kb validate shows them as warnings)."""
    found = []
    for rule in knowledge.rules:
        if not _can_hold(rule.when, [c.id for c in knowledge.conditions]):
            file = "red_flags.yaml" if rule.is_red_flag else "contraindications.yaml"
            found.append(f"{file}: rule {rule.id!r} can never fire ({rule.when_text})")
    return found


def _possible(atoms_on: set[str]) -> bool:
    """Whether one person can give all these answers: one location, one cause (a major accident
    also counts as an accident)."""
    locations = [a for a in atoms_on if a.startswith("location:")]
    causes = {a for a in atoms_on if a.startswith("cause:")}
    if "cause:major-accident" in causes:
        if "cause:accident" not in causes:
            return False  # bits_of adds the accident bit to a major accident's
        causes.discard("cause:accident")
    return len(locations) <= 1 and len(causes) <= 1


def _can_hold(expression: Any, condition_ids: list[str]) -> bool:
    """Try every combination of the answers an expression reads (bounded); True when unsure."""
    import itertools

    from backmassage.answers import Answers
    from backmassage.expressions import BITS, BestCondition, InRange, Person, atoms, walk

    choice_atoms = sorted(a for a in atoms(expression) if not a.endswith(":*"))
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
        on = {a for a, yes in zip(choice_atoms, chosen) if yes}
        if "cause:major-accident" in on:
            on.add("cause:accident")
        if not _possible(on):
            continue
        bits = sum(BITS[a] for a in on)
        for age, days, condition in itertools.product(cuts["age"], cuts["duration"], conditions):
            p = Person(Answers(age=age, duration_days=days), bits, condition, condition)
            if expression.holds(p):
                return True
    return False


# --- JSON Schema ---------------------------------------------------------------------------

def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) that every knowledge file validates against.

    The top-level keys of all the files share one ``properties``, so an editor checks and
    completes each key in place; ``oneOf`` only says which keys make up which file.
    """
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
        "$defs": {
            "expression": Expr().definition(),
            "rule_expression": Expr(with_condition=True).definition(),
            "evidence": Expr(weighted=True).definition(),
        },
    }
