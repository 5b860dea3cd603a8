"""The one schema of the knowledge files, written once as data.

Each part of the schema checks a composed YAML node (which still knows its line) and turns
it into plain Python data, recording every problem with its file, line and logical path.
The same parts describe themselves as JSON Schema for ``backmassage kb schema``.

Working on nodes rather than on ``yaml.safe_load`` output means no YAML constructor runs:
no Python tags, no timestamps, no YAML 1.1 booleans sneaking in where text is meant.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from backmassage.answers import DURATION_HINT, parse_duration
from backmassage.errors import InvalidAnswer, suggest
from backmassage.vocabulary import CHOICES, TRIAGE_LEVELS

INVALID: Any = object()
_TAG = "tag:yaml.org,2002:"
_IMPLICIT_TAGS = {_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")}
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_resolver = yaml.resolver.Resolver()
MAX_DEPTH = 40


@dataclass
class Reference:
    kind: str
    id: str
    line: int
    path: str


@dataclass
class Checker:
    """Collects the problems and references found in one file."""

    file: str
    problems: list[tuple[str, int, str]] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)

    def problem(self, node: yaml.Node, path: list[str], message: str) -> Any:
        self.problems.append((self.file, node.start_mark.line + 1, _where(path) + message))
        return INVALID


def _where(path: list[str]) -> str:
    return " > ".join(path) + ": " if path else ""


def _explicit_tag(node: yaml.Node) -> bool:
    """True when the author wrote a tag (``!!float``, ``!python/...``) rather than YAML inferring it."""
    if isinstance(node, yaml.ScalarNode):
        return node.tag != _TAG + "str" and node.tag != _resolver.resolve(yaml.ScalarNode, node.value, (True, False))
    return node.tag not in (_TAG + "seq", _TAG + "map")


class Schema:
    def check(self, node: yaml.Node, path: list[str], ck: Checker, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            return ck.problem(node, path, f"nested more than {MAX_DEPTH} levels deep")
        if _explicit_tag(node):
            return ck.problem(node, path, f"the tag {node.tag!r} is not allowed in knowledge files")
        return self.convert(node, path, ck, depth)

    def convert(self, node: yaml.Node, path: list[str], ck: Checker, depth: int) -> Any:
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError


def _scalar_text(node: yaml.Node, path: list[str], ck: Checker, what: str) -> Any:
    if not isinstance(node, yaml.ScalarNode) or node.tag == _TAG + "null":
        return ck.problem(node, path, f"expected {what}, found {_kind(node)}")
    return node.value


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return "nothing (null)" if node.tag == _TAG + "null" else f"{node.value!r}"


@dataclass
class Text(Schema):
    description: str = ""
    nullable: bool = False

    def convert(self, node, path, ck, depth):
        if self.nullable and isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "null":
            return None
        value = _scalar_text(node, path, ck, "text")
        if value is not INVALID and not value.strip():
            return ck.problem(node, path, "expected text, found an empty string")
        return value if value is INVALID else value.strip()

    def json_schema(self):
        text = {"type": "string", "minLength": 1, "description": self.description}
        return {"anyOf": [text, {"type": "null"}], "description": self.description} if self.nullable else text


@dataclass
class Number(Schema):
    low: float
    high: float | None = None
    integer: bool = False
    exclusive_low: bool = False
    description: str = ""

    def convert(self, node, path, ck, depth):
        want = "a whole number" if self.integer else "a number"
        tags = (_TAG + "int",) if self.integer else (_TAG + "int", _TAG + "float")
        if not isinstance(node, yaml.ScalarNode) or node.tag not in tags:
            return ck.problem(node, path, f"expected {want}, found {_kind(node)}")
        try:
            value: float = int(node.value) if self.integer else float(node.value)
        except ValueError:
            return ck.problem(node, path, f"expected {want} written in plain digits, found {node.value!r}")
        if math.isnan(value) or math.isinf(value):
            return ck.problem(node, path, f"expected {want}, found {node.value!r}")
        too_low = value <= self.low if self.exclusive_low else value < self.low
        if too_low or (self.high is not None and value > self.high):
            bound = f"more than {self.low:g}" if self.exclusive_low else f"at least {self.low:g}"
            bound += f" and at most {self.high:g}" if self.high is not None else ""
            return ck.problem(node, path, f"{node.value} is out of range: it must be {bound}")
        return value

    def json_schema(self):
        schema: dict[str, Any] = {"type": "integer" if self.integer else "number", "description": self.description}
        schema["exclusiveMinimum" if self.exclusive_low else "minimum"] = self.low
        if self.high is not None:
            schema["maximum"] = self.high
        return schema


@dataclass
class Id(Schema):
    description: str = "lowercase words joined by hyphens, e.g. lower-back-strain"

    def convert(self, node, path, ck, depth):
        value = _scalar_text(node, path, ck, "an id")
        if value is not INVALID and not _ID.match(value):
            return ck.problem(node, path, f"{value!r} is not a valid id: use lowercase words joined by hyphens")
        return value

    def json_schema(self):
        return {"type": "string", "pattern": _ID.pattern, "description": self.description}


@dataclass
class Ref(Schema):
    """The id of something defined elsewhere in the knowledge; checked once all files are read."""

    kind: str

    def convert(self, node, path, ck, depth):
        value = Id().convert(node, path, ck, depth)
        if value is not INVALID:
            ck.references.append(Reference(self.kind, value, node.start_mark.line + 1, _where(path)))
        return value

    def json_schema(self):
        return {"type": "string", "pattern": _ID.pattern, "description": f"the id of a {self.kind}"}


@dataclass
class Choice(Schema):
    values: tuple[str, ...]
    what: str

    def convert(self, node, path, ck, depth):
        value = _scalar_text(node, path, ck, f"a {self.what}")
        if value is not INVALID and value not in self.values:
            hint = suggest(value, self.values)
            return ck.problem(node, path, f"unknown {self.what} {value!r}"
                              + (f" (did you mean {hint!r}?)" if hint else f"; valid values: {', '.join(self.values)}"))
        return value

    def json_schema(self):
        return {"enum": list(self.values), "description": f"a {self.what}"}


@dataclass
class Duration(Schema):
    def convert(self, node, path, ck, depth):
        value = _scalar_text(node, path, ck, "a duration")
        if value is INVALID:
            return value
        try:
            days, _ = parse_duration(value)
        except InvalidAnswer:
            days = None
        if days is None:
            return ck.problem(node, path, f"{value!r} is not a duration: give {DURATION_HINT}")
        return days

    def json_schema(self):
        return {"type": "string", "pattern": r"^\d+\s*[dwm]$", "description": DURATION_HINT}


@dataclass
class ListOf(Schema):
    item: Schema
    min_items: int = 0
    one_or_many: bool = False  # a single scalar stands for a list of one
    description: str = ""

    def convert(self, node, path, ck, depth):
        if self.one_or_many and isinstance(node, yaml.ScalarNode):
            value = self.item.check(node, path, ck, depth + 1)
            return INVALID if value is INVALID else [value]
        if not isinstance(node, yaml.SequenceNode):
            return ck.problem(node, path, f"expected a list, found {_kind(node)}")
        if len(node.value) < self.min_items:
            return ck.problem(node, path, f"needs at least {self.min_items} item{'s' * (self.min_items > 1)}")
        items = [self.item.check(child, self._item_path(path, i, child), ck, depth + 1)
                 for i, child in enumerate(node.value)]
        return INVALID if any(item is INVALID for item in items) else items

    def _item_path(self, path: list[str], index: int, child: yaml.Node) -> list[str]:
        kind = getattr(self.item, "kind", None)
        if kind and path:
            item_id = _mapping_id(child)
            return [f"{kind} {item_id!r}" if item_id else f"{kind} #{index + 1}"]
        return path[:-1] + [f"{path[-1]}[{index}]"] if path else [f"[{index}]"]

    def json_schema(self):
        listed = {"type": "array", "items": self.item.json_schema(), "description": self.description}
        if self.min_items:
            listed["minItems"] = self.min_items
        return {"anyOf": [self.item.json_schema(), listed]} if self.one_or_many else listed


def _mapping_id(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "id" and isinstance(value, yaml.ScalarNode):
                return value.value
    return None


def mapping_items(node: yaml.MappingNode, path: list[str], ck: Checker) -> list[tuple[str, yaml.Node]] | None:
    """The key/value pairs of a mapping, refusing duplicate keys, merge keys and non-text keys."""
    seen: dict[str, int] = {}
    items = []
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _TAG + "merge":
            ck.problem(key, path, "keys must be plain words")
            return None
        line = key.start_mark.line + 1
        if key.value in seen:
            ck.problem(key, path, f"duplicate key {key.value!r} (lines {seen[key.value]} and {line})")
            return None
        seen[key.value] = line
        items.append((key.value, value))
    return items


@dataclass
class Field:
    schema: Schema
    required: bool = True


@dataclass
class Record(Schema):
    fields: dict[str, Field]
    kind: str | None = None  # names list items in messages: condition 'sciatica'
    extra: Schema | None = None  # schema of unknown keys (expressions); None refuses them
    one_of: tuple[str, ...] = ()  # at least one of these keys
    together: dict[str, str] = field(default_factory=dict)  # key -> key it requires
    description: str = ""

    def convert(self, node, path, ck, depth):
        if not isinstance(node, yaml.MappingNode):
            return ck.problem(node, path, f"expected a mapping, found {_kind(node)}")
        items = mapping_items(node, path, ck)
        if items is None:
            return INVALID
        result: dict[str, Any] = {}
        ok = True
        for key, value_node in items:
            schema = self.fields[key].schema if key in self.fields else self.extra
            if schema is None:
                hint = suggest(key, self.fields)
                ck.problem(value_node, path, f"unknown key {key!r}" + (f" (did you mean {hint!r}?)" if hint else ""))
                ok = False
                continue
            value = schema.check(value_node, path + [key], ck, depth + 1)
            ok = ok and value is not INVALID
            result[key] = value
        for key, spec in self.fields.items():
            if spec.required and key not in result:
                ok = ck.problem(node, path, f"missing required key {key!r}") and False
        if self.one_of and not any(key in result for key in self.one_of):
            ok = ck.problem(node, path, f"needs at least one of: {', '.join(self.one_of)}") and False
        for key, needed in self.together.items():
            if key in result and needed not in result:
                ok = ck.problem(node, path, f"{key!r} needs {needed!r} too") and False
        return result if ok else INVALID

    def json_schema(self):
        schema: dict[str, Any] = {
            "type": "object",
            "description": self.description,
            "properties": {key: spec.schema.json_schema() for key, spec in self.fields.items()},
            "required": [key for key, spec in self.fields.items() if spec.required],
            "additionalProperties": False,
        }
        if self.one_of:
            schema["anyOf"] = [{"required": [key]} for key in self.one_of]
        return schema


@dataclass
class Bounds(Schema):
    """{min: ..., max: ...} for age (whole years) or duration (days)."""

    of: str

    def _value(self) -> Schema:
        return Duration() if self.of == "duration" else Number(1, 120, integer=True)

    def convert(self, node, path, ck, depth):
        record = Record({"min": Field(self._value(), False), "max": Field(self._value(), False)}, one_of=("min", "max"))
        value = record.check(node, path, ck, depth)
        if value is not INVALID and value.get("min", -1) > value.get("max", math.inf):
            return ck.problem(node, path, "min is greater than max")
        return value if value is INVALID else {k: int(v) for k, v in value.items()}

    def json_schema(self):
        inner = self._value().json_schema()
        return {"type": "object", "properties": {"min": inner, "max": inner},
                "minProperties": 1, "additionalProperties": False}


_ANSWER_KEYS = {"location": "location", "cause": "cause", "symptom": "symptoms", "history": "history"}


@dataclass
class Expr(Schema):
    """An expression (docs/knowledge.md): a mapping of keys that must all hold."""

    with_condition: bool = False
    weighted: bool = False

    def keys(self) -> dict[str, Schema]:
        keys: dict[str, Schema] = {
            key: ListOf(Choice(tuple(CHOICES[answer]), key), min_items=1, one_or_many=True)
            for key, answer in _ANSWER_KEYS.items()
        }
        keys["duration"] = Bounds("duration")
        keys["age"] = Bounds("age")
        if self.with_condition:
            keys["condition"] = ListOf(Ref("condition"), min_items=1, one_or_many=True)
        inner = Expr(self.with_condition)
        keys["all"] = ListOf(inner, min_items=1)
        keys["any"] = ListOf(inner, min_items=1)
        keys["not"] = inner
        return keys

    def convert(self, node, path, ck, depth):
        fields = {key: Field(schema, False) for key, schema in self.keys().items()}
        if self.weighted:
            fields["weight"] = Field(Number(0, 100, exclusive_low=True, description="how strongly this points to the condition"))
        expression_keys = tuple(key for key in fields if key != "weight")
        return Record(fields, one_of=expression_keys).check(node, path, ck, depth)

    def json_schema(self):
        if not self.weighted:
            return {"$ref": "#/$defs/" + ("rule_expression" if self.with_condition else "expression")}
        schema = Record({key: Field(s, False) for key, s in self.keys().items()}).json_schema()
        schema["properties"]["weight"] = {"type": "number", "exclusiveMinimum": 0, "maximum": 100}
        schema["required"] = ["weight"]
        return schema

    def definition(self) -> dict[str, Any]:
        schema = Record({key: Field(s, False) for key, s in self.keys().items()}).json_schema()
        schema["minProperties"] = 1
        schema["description"] = "keys that must all hold (docs/knowledge.md, Expressions)"
        return schema


# --- the files -------------------------------------------------------------------------

SOURCES = Field(ListOf(Ref("source"), min_items=1, description="ids from sources.yaml"))
TECHNIQUE_CHOICE = Record({
    "id": Field(Ref("technique")),
    "why": Field(Text("why this technique helps here, in plain words")),
})

MANIFEST = Record({
    "knowledge_version": Field(Text("shown in --version and in every answer")),
    "name": Field(Text()),
    "min_score": Field(Number(0, 1, description="a condition scoring below this is not named")),
    "fallback_techniques": Field(ListOf(TECHNIQUE_CHOICE, min_items=1)),
}, description="manifest.yaml")

SOURCE = Record({
    "id": Field(Id()),
    "title": Field(Text()),
    "url": Field(Text(nullable=True)),
}, kind="source")

TECHNIQUE = Record({
    "id": Field(Id()),
    "name": Field(Text()),
    "description": Field(Text()),
    "pressure": Field(ListOf(Choice(tuple(CHOICES["pressure"]), "pressure"), min_items=1, one_or_many=True)),
    "session_minutes": Field(Number(5, 240, integer=True)),
    "frequency": Field(Text()),
    "benefits": Field(ListOf(Text(), min_items=1)),
    "sources": SOURCES,
}, kind="technique")

CONDITION = Record({
    "id": Field(Id()),
    "name": Field(Text()),
    "description": Field(Text()),
    "requires": Field(Expr(), required=False),
    "evidence": Field(ListOf(Expr(weighted=True), min_items=1)),
    "techniques": Field(ListOf(TECHNIQUE_CHOICE, min_items=1)),
    "cautions": Field(ListOf(Text()), required=False),
    "sources": SOURCES,
}, kind="condition")

_RULE_FIELDS = {
    "id": Field(Id()),
    "name": Field(Text()),
    "when": Field(Expr(with_condition=True)),
    "sources": SOURCES,
}
TRIAGE = Choice(TRIAGE_LEVELS, "triage level")

RED_FLAG = Record({
    **_RULE_FIELDS,
    "triage": Field(TRIAGE),
    "advice": Field(Text("what to do, where to go, how soon")),
}, kind="red flag")

CONTRAINDICATION = Record({
    **_RULE_FIELDS,
    "avoid": Field(ListOf(Ref("technique"), min_items=1), required=False),
    "reason": Field(Text("why the techniques in avoid are left out"), required=False),
    "caution": Field(Text(), required=False),
    "triage": Field(TRIAGE, required=False),
}, kind="contraindication", one_of=("avoid", "caution", "triage"), together={"avoid": "reason", "reason": "avoid"})

FILES: dict[str, Record] = {
    "manifest.yaml": MANIFEST,
    "sources.yaml": Record({"sources": Field(ListOf(SOURCE, min_items=1))}),
    "techniques.yaml": Record({"techniques": Field(ListOf(TECHNIQUE, min_items=1))}),
    "conditions.yaml": Record({"conditions": Field(ListOf(CONDITION, min_items=1))}),
    "red_flags.yaml": Record({"red_flags": Field(ListOf(RED_FLAG))}),
    "contraindications.yaml": Record({"contraindications": Field(ListOf(CONTRAINDICATION))}),
}
DEFINES = {"sources.yaml": "source", "techniques.yaml": "technique", "conditions.yaml": "condition",
           "red_flags.yaml": "red flag", "contraindications.yaml": "contraindication"}


def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) that every knowledge file validates against."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://backmassage.invalid/knowledge.schema.json",
        "title": "backmassage knowledge file",
        "description": "One of manifest.yaml, sources.yaml, techniques.yaml, conditions.yaml, "
                       "red_flags.yaml, contraindications.yaml (docs/knowledge.md).",
        "oneOf": [dict(schema.json_schema(), title=name) for name, schema in FILES.items()],
        "$defs": {"expression": Expr().definition(), "rule_expression": Expr(with_condition=True).definition()},
    }
