"""The JSON object of SPEC section 4, exactly, from the command line and from the Python API."""

import json

import pytest

from backmassage import InvalidAnswer, recommend

KEYS = {"triage", "condition", "alternatives", "techniques", "avoid", "red_flags", "cautions",
        "explanation", "sources", "knowledge_version"}
TRIAGES = {"massage", "see-clinician", "urgent", "emergency"}

CASES = {
    "ordinary strain": ["--location", "lower", "--cause", "lifting", "--duration", "2w"],
    "blood thinners": ["--location", "lower", "--cause", "lifting", "--history", "anticoagulants"],
    "cauda equina": ["--location", "lower", "--symptom", "saddle-numbness"],
    "sciatica": ["--location", "lower", "--symptom", "shooting-pain,tingling"],
}


def check_shape(data: dict) -> None:
    assert set(data) == KEYS
    assert data["triage"] in TRIAGES
    if data["condition"] is not None:
        assert set(data["condition"]) == {"id", "name", "score"}
        assert 0 <= data["condition"]["score"] <= 1
    for alternative in data["alternatives"]:
        assert set(alternative) == {"id", "name", "score"}
        assert 0 <= alternative["score"] <= data["condition"]["score"]
    for technique in data["techniques"]:
        assert set(technique) == {"id", "name", "why", "benefits"}
        assert all(isinstance(benefit, str) for benefit in technique["benefits"])
    for avoided in data["avoid"]:
        assert set(avoided) == {"id", "reason"} and avoided["reason"]
    for flag in data["red_flags"]:
        assert set(flag) == {"id", "name", "advice"} and flag["advice"]
    assert all(isinstance(text, str) and text for text in data["cautions"] + data["explanation"])
    for source in data["sources"]:
        assert set(source) == {"title", "url"}
        assert source["url"] is None or source["url"].startswith("http")
    assert isinstance(data["knowledge_version"], str)


@pytest.mark.parametrize("args", CASES.values(), ids=CASES.keys())
def test_json_output_has_exactly_the_spec_shape(run_json, args):
    data = run_json("recommend", *args)
    check_shape(data)
    assert not {t["id"] for t in data["techniques"]} & {a["id"] for a in data["avoid"]}
    if data["triage"] in ("emergency", "urgent"):
        assert data["techniques"] == []
    assert data["explanation"], "every answer explains itself"
    assert data["sources"], "every answer names its sources"


def test_the_api_returns_the_same_object_as_the_json(run_json):
    from_cli = run_json("recommend", *CASES["blood thinners"])
    from_api = recommend(location="lower", cause="lifting", history=["anticoagulants"]).to_dict()
    assert from_api == from_cli


def test_the_same_answers_always_give_the_same_output(run):
    first = run("recommend", *CASES["sciatica"], "--json").stdout
    assert all(run("recommend", *CASES["sciatica"], "--json").stdout == first for _ in range(3))


def test_json_stays_valid_on_a_narrow_pipe(run):
    result = run("recommend", *CASES["cauda equina"], "--json", env={"COLUMNS": "20"})
    data = json.loads(result.stdout)
    assert any(len(sentence) > 100 for sentence in data["explanation"])


def test_the_explanation_names_the_answers_that_led_to_it(run_json):
    data = run_json("recommend", *CASES["blood thinners"])
    text = " ".join(data["explanation"])
    assert "location: lower" in text
    assert "cause: lifting" in text
    assert "history: anticoagulants" in text
    assert "Not answered" in text  # duration and age were not given


def test_knowledge_version_comes_from_the_knowledge(run_json, kb_copy, run):
    manifest = kb_copy / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("2026.11.0", "clinic-7"), encoding="utf-8")
    result = run("recommend", "--location", "neck", "--json", "--kb", str(kb_copy))
    assert json.loads(result.stdout)["knowledge_version"] == "clinic-7"


def test_api_refuses_a_wrong_value_as_a_value_error():
    with pytest.raises(ValueError) as caught:
        recommend(location="hip")
    assert isinstance(caught.value, InvalidAnswer)
    assert caught.value.answer == "location"
    assert "lower, upper, neck, widespread" in str(caught.value)


def test_an_emergency_carries_no_massage_cautions(run_json):
    data = run_json("recommend", *CASES["cauda equina"])
    assert data["triage"] == "emergency"
    assert not any("massage therapist" in caution for caution in data["cautions"])


def test_api_takes_a_whole_number_age_written_as_a_float():
    assert recommend(location="lower", age=40.0).to_dict() == recommend(location="lower", age=40).to_dict()
    with pytest.raises(InvalidAnswer):
        recommend(location="lower", age=40.5)
