"""The JSON object of SPEC section 4 (version 2), exactly, from the command line and the Python API."""

from __future__ import annotations

import json

import jsonschema
import pytest
from hypothesis import given

from backmassage import recommend
from backmassage.vocabulary import CHOICES, SOURCE_KINDS, TRIAGE_LEVELS, WARNING_SIGNS
from test_safety import ANSWERS

TEXT = {"type": "string", "minLength": 1}
TEXTS = {"type": "array", "items": TEXT}
MATCH = {"type": "object", "additionalProperties": False, "required": ["id", "name", "score"],
         "properties": {"id": TEXT, "name": TEXT, "score": {"type": "number", "minimum": 0, "maximum": 1}}}


def _object(**properties: dict) -> dict:
    return {"type": "object", "additionalProperties": False, "required": list(properties), "properties": properties}


SPEC_4 = _object(
    triage={"enum": list(TRIAGE_LEVELS)},
    condition={"anyOf": [MATCH, {"type": "null"}]},
    alternatives={"type": "array", "items": MATCH},
    techniques={"type": "array", "items": _object(
        id=TEXT, name=TEXT, why=TEXT, benefits=TEXTS,
        pressure={"type": "array", "items": {"enum": list(CHOICES["pressure"])}, "minItems": 1},
        session_minutes={"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]},
        frequency={"anyOf": [TEXT, {"type": "null"}]})},
    avoid={"type": "array", "items": _object(id=TEXT, name=TEXT, reason=TEXT)},
    red_flags={"type": "array", "items": _object(id=TEXT, name=TEXT, advice=TEXT)},
    cautions=TEXTS,
    self_care=TEXTS,
    therapist_note={"anyOf": [TEXT, {"type": "null"}]},
    explanation={**TEXTS, "minItems": 1},
    not_asked={"type": "array", "items": {"enum": list(WARNING_SIGNS)}},
    unsure={"type": "array", "items": {"enum": list(WARNING_SIGNS)}},
    unanswered={"type": "array", "items": {"enum": ["location", "cause", "symptoms", "history", "duration", "age"]}},
    sources={"type": "array", "items": _object(
        id=TEXT, title=TEXT, url={"anyOf": [{"type": "string", "pattern": "^https?://"}, {"type": "null"}]},
        kind={"enum": list(SOURCE_KINDS)})},
    knowledge_version=TEXT,
    knowledge_fingerprint={"type": "string", "pattern": "^[0-9a-f]{64}$"},
)

CASES = {
    "ordinary strain": ["--location", "lower", "--cause", "lifting", "--duration", "2w", "--screened"],
    "not screened": ["--location", "lower", "--cause", "lifting"],
    "blood thinners": ["--location", "lower", "--cause", "lifting", "--history", "anticoagulants", "--screened"],
    "cauda equina": ["--location", "lower", "--symptom", "saddle-numbness"],
    "unsure": ["--location", "neck", "--unsure", "clumsy-hands", "--age", "61"],
}


@pytest.mark.parametrize("args", CASES.values(), ids=CASES.keys())
def test_json_output_has_exactly_the_spec_shape(run, args):
    result = run("recommend", *args, "--no-input", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    jsonschema.validate(data, SPEC_4)
    assert data["sources"], "every answer names its sources"


@given(ANSWERS)
def test_every_answer_has_the_spec_shape_and_rules(answers):
    data = recommend(**answers).to_dict()
    jsonschema.validate(data, SPEC_4)
    assert not {t["id"] for t in data["techniques"]} & {a["id"] for a in data["avoid"]}
    if data["triage"] in ("emergency", "urgent"):
        assert data["techniques"] == [] and data["condition"] is None and data["alternatives"] == []
        assert data["therapist_note"] is None
    kinds = [SOURCE_KINDS.index(s["kind"]) for s in data["sources"]]
    assert kinds == sorted(kinds), "sources are ordered strongest kind first"


def test_the_api_returns_the_same_object_as_the_json(run):
    from_cli = json.loads(run("recommend", *CASES["blood thinners"], "--no-input", "--json").stdout)
    from_api = recommend(location="lower", cause="lifting", history=["anticoagulants"], screened=True).to_dict()
    assert from_api == from_cli


def test_the_fingerprint_is_the_same_for_the_same_knowledge(kb_copy, run):
    bundled = recommend(location="lower").knowledge_fingerprint
    from backmassage import load_knowledge

    copy = recommend(location="lower", knowledge=load_knowledge(kb_copy)).knowledge_fingerprint
    assert copy == bundled
    with open(kb_copy / "techniques.yaml", "a", encoding="utf-8") as file:
        file.write("# a comment changes no content\n")
    assert recommend(location="lower", knowledge=load_knowledge(kb_copy)).knowledge_fingerprint == bundled
