"""Every command and error path, as a person or a script sees it: exit code, stdout, stderr."""

import json

import pytest

from backmassage import __version__

COMMANDS = [["recommend"], ["conditions"], ["techniques"], ["explain"], ["batch"], ["kb", "validate"], ["kb", "schema"]]


def assert_clean_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def test_version_names_program_and_knowledge(run):
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"backmassage {__version__} (knowledge 2026.11.0)\n"
    assert result.stderr == ""


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_examples(run, command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout


def test_no_arguments_shows_the_commands(run):
    result = run()
    assert "recommend" in result.stdout + result.stderr
    assert "conditions" in result.stdout + result.stderr


def test_recommend_help_lists_the_values(run):
    out = " ".join(run("recommend", "--help").stdout.replace("│", " ").split())
    for value in ("lower, upper, neck, widespread", "saddle-numbness", "anticoagulants", "light, medium, firm"):
        assert value in out


def test_recommend_from_flags_prints_the_advice(run):
    result = run("recommend", "--location", "lower", "--cause", "lifting", "--duration", "2w")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert "MASSAGE" in result.stdout
    assert "Lower back strain" in result.stdout
    assert "Swedish massage" in result.stdout
    assert "not a diagnosis" in result.stdout


def test_values_are_case_insensitive_and_lists_take_commas(run_json):
    upper = run_json("recommend", "--location", "LOWER", "--cause", "Lifting", "--symptom", "Spasm,TENDERNESS")
    plain = run_json("recommend", "--location", "lower", "--cause", "lifting",
                     "--symptom", "spasm", "--symptom", "tenderness")
    assert upper == plain
    assert upper["condition"]["id"] == "lower-back-strain"


def test_json_is_one_object_on_stdout(run):
    result = run("recommend", "--location", "neck", "--cause", "posture", "--json")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert isinstance(json.loads(result.stdout), dict)


@pytest.mark.parametrize(("args", "fragments"), [
    (["--location", "hip"], ["--location", "'hip'", "lower, upper, neck, widespread"]),
    (["--location", "lowr"], ["Did you mean 'lower'?"]),
    (["--location", "lower", "--cause", "liftin"], ["--cause", "Did you mean 'lifting'?"]),
    (["--location", "lower", "--symptom", "spasm,numbness"], ["--symptom", "'numbness'", "saddle-numbness"]),
    (["--location", "lower", "--history", "warfarin"], ["--history", "anticoagulants"]),
    (["--location", "lower", "--pressure", "hard"], ["--pressure", "light, medium, firm"]),
    (["--location", "lower", "--duration", "soon"], ["--duration", "2d, 3w or 6m"]),
    (["--location", "lower", "--duration", "3y"], ["--duration"]),
    (["--location", "lower", "--age", "0"], ["--age", "1 to 120"]),
    (["--location", "lower", "--age", "forty"], ["--age", "1 to 120"]),
    (["--location", "lower", "--age", "121"], ["--age"]),
])
def test_a_wrong_value_is_refused_with_the_flag_and_valid_values(run, args, fragments):
    assert_clean_error(run("recommend", *args), *fragments)


def test_missing_location_without_a_terminal_names_the_flag(run):
    assert_clean_error(run("recommend", "--cause", "lifting"), "--location")


def test_missing_location_with_no_input_names_the_flag(run):
    assert_clean_error(run("recommend", "--no-input", "--json"), "--location")


def test_a_typo_in_the_command_suggests_the_right_one(run):
    result = run("recomend")
    assert result.exit_code == 2
    assert "recommend" in result.stderr
    assert result.stdout == ""


def test_an_unknown_option_is_a_usage_error(run):
    result = run("recommend", "--locaton", "lower")
    assert result.exit_code == 2
    assert "--location" in result.stderr
    assert result.stdout == ""


def test_conditions_lists_every_condition(run):
    result = run("conditions")
    assert result.exit_code == 0
    for name in ("lower-back-strain", "whiplash", "pregnancy-back-pain"):
        assert name in result.stdout


def test_conditions_json_has_id_and_name(run_json):
    items = run_json("conditions")
    assert {"lower-back-strain", "sciatica", "fibromyalgia"} <= {item["id"] for item in items}
    assert all(item["name"] for item in items)


def test_techniques_lists_every_technique(run, run_json):
    assert "myofascial-release" in run("techniques").stdout
    items = run_json("techniques")
    assert {"deep-tissue", "swedish", "prenatal"} <= {item["id"] for item in items}
    assert all(item["name"] for item in items)


@pytest.mark.parametrize(("item_id", "kind", "shown"), [
    ("sciatica", "condition", "Sciatica"),
    ("deep-tissue", "technique", "Deep tissue"),
    ("cauda-equina", "red flag", "cauda equina"),
    ("anticoagulants", "contraindication", "blood"),
])
def test_explain_describes_an_item_with_its_sources(run, run_json, item_id, kind, shown):
    result = run("explain", item_id)
    assert result.exit_code == 0, result.stderr
    assert shown.lower() in result.stdout.lower()
    assert "Sources" in result.stdout
    item = run_json("explain", item_id)
    assert item["kind"] == kind
    assert item["sources"] and all(source["title"] for source in item["sources"])


def test_explain_an_unknown_id_suggests_the_closest(run):
    assert_clean_error(run("explain", "sciatika"), "'sciatika'", "Did you mean 'sciatica'?")


def test_a_missing_knowledge_folder_is_bad_input(run, tmp_path):
    missing = tmp_path / "nowhere"
    assert_clean_error(run("recommend", "--location", "lower", "--kb", str(missing)), "nowhere")


def test_the_knowledge_folder_can_come_from_the_environment(run, tmp_path):
    result = run("conditions", env={"BACKMASSAGE_KB": str(tmp_path / "nowhere")})
    assert_clean_error(result, "nowhere")


def test_an_internal_error_is_one_line_and_exit_1(run, monkeypatch):
    from backmassage import engine

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "recommend", broken)
    result = run("recommend", "--location", "lower")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "internal error" in result.stderr and "BACKMASSAGE_DEBUG=1" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_mode_lets_the_traceback_through(run, monkeypatch):
    from backmassage import engine

    monkeypatch.setattr(engine, "recommend", lambda *a, **k: 1 / 0)
    result = run("recommend", "--location", "lower", env={"BACKMASSAGE_DEBUG": "1"})
    assert isinstance(result.exception, ZeroDivisionError)


def test_shell_completion_offers_values(run):
    from backmassage.cli import _complete

    assert [value for value, _ in _complete("symptoms")("spasm,st")] == ["spasm,stiffness"]
    assert [value for value, _ in _complete("location")("n")] == ["neck"]


def test_a_broken_knowledge_folder_shows_its_first_problems_and_points_to_kb_validate(run, kb_copy):
    conditions = kb_copy / "conditions.yaml"
    text = conditions.read_text(encoding="utf-8")
    for technique in ("swedish", "trigger-point", "neuromuscular"):
        text = text.replace(f"- id: {technique}", f"- id: {technique[:-1]}")
    conditions.write_text(text, encoding="utf-8")
    result = run("recommend", "--location", "lower", "--kb", str(kb_copy))
    assert_clean_error(result, "unknown technique 'swedis' (did you mean 'swedish'?)", "kb validate")
    problems = [line for line in result.stderr.splitlines() if "unknown technique" in line]
    assert len(problems) == 10
    assert "... and" in result.stderr
