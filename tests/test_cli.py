"""Every command and error path, as a person or a script sees it: exit code, stdout, stderr."""

import json
import os
import subprocess
import sys

import pytest

from backmassage import __version__, api

COMMANDS = [["recommend"], ["list"], ["conditions"], ["techniques"], ["explain"], ["batch"], ["kb", "validate"],
            ["kb", "test"], ["kb", "schema"], ["completion"]]
KNOWLEDGE_COMMANDS = [["recommend", "--location", "lower"], ["list", "sources"], ["conditions"], ["techniques"],
                      ["explain", "sciatica"], ["kb", "validate"], ["kb", "test"], ["batch", "-"]]
ORDINARY = ["recommend", "--location", "lower", "--cause", "lifting", "--duration", "2w", "--age", "42",
            "--screened"]


def assert_clean_error(result, *fragments: str, code: int = 2) -> None:
    assert result.exit_code == code, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "╭" not in result.stderr  # one error style: never typer's boxed panel
    assert result.stderr.startswith("backmassage: error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


# --- help, version, completion -----------------------------------------------------------------------

def test_version_names_program_and_knowledge(run):
    result = run("--version")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == f"backmassage {__version__} (knowledge {api.load_knowledge().version})\n"


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_help_has_examples_and_no_file_a_pip_user_lacks(run, command):
    result = run(*command, "--help")
    assert result.exit_code == 0, result.stderr
    assert "Examples:" in result.stdout
    assert "README" not in result.stdout and "docs/" not in result.stdout


def test_the_main_help_points_to_what_every_user_has(run):
    out = " ".join(run("--help").stdout.replace("│", " ").split())
    assert "backmassage COMMAND --help" in out and "backmassage explain ID" in out
    assert "Exit codes: 0" in out and "130 interrupted" in out


def test_the_usage_line_of_explain_is_plain(run):
    out = run("explain", "--help").stdout
    assert "explain [OPTIONS] ID" in out
    assert "<str>" not in out and "{ID}" not in out


def test_recommend_help_lists_the_values(run):
    out = " ".join(run("recommend", "--help").stdout.replace("│", " ").split())
    for value in ("lower, upper, neck, widespread", "saddle-numbness", "anticoagulants", "light, medium, firm",
                  "--screened", "--unsure", "--save", "--details"):
        assert value in out


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o"), ("zsh", "#compdef backmassage"),
                                               ("fish", "complete --command backmassage"),
                                               ("powershell", "Register-ArgumentCompleter")])
def test_completion_is_the_script_of_the_shell_named(run, shell, marker):
    result = run("completion", shell)
    assert result.exit_code == 0 and marker in result.stdout
    others = {"bash": "complete -o", "zsh": "#compdef", "fish": "complete --command"}
    assert all(other not in result.stdout for name, other in others.items() if name != shell)


def test_completion_of_an_unknown_shell_suggests_one(run):
    assert_clean_error(run("completion", "fsh"), "'fsh'", "Did you mean 'fish'?")


def test_tab_completes_answer_values():
    env = {**os.environ, "_BACKMASSAGE_COMPLETE": "complete_bash", "COMP_WORDS": "backmassage recommend --location n",
           "COMP_CWORD": "3"}
    result = subprocess.run([sys.executable, "-m", "backmassage"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.split() == ["neck"]


# --- one error style ---------------------------------------------------------------------------------

def test_an_unknown_option_suggests_the_right_one(run):
    assert_clean_error(run("recommend", "--locaton", "lower"), "--locaton", "Did you mean --location?",
                       "See 'backmassage recommend --help'.")


def test_version_after_a_command_points_to_the_right_place(run):
    assert_clean_error(run("recommend", "--version"), "'backmassage --version' prints the version")


def test_a_typo_in_the_command_suggests_the_right_one(run):
    assert_clean_error(run("recomend"), "Did you mean 'recommend'?")


def test_a_missing_argument_is_said_plainly(run):
    assert_clean_error(run("explain"), "ID")


@pytest.mark.parametrize("flag", ["--location", "--cause", "--duration", "--age", "--pressure", "--kb", "--save"])
def test_a_single_value_flag_given_twice_is_refused(run, flag):
    assert_clean_error(run("recommend", flag, "a", flag, "b"), f"{flag} was given 2 times; give it once.")


def test_repeatable_flags_may_repeat(run_json):
    once = run_json(*ORDINARY, "--symptom", "spasm,stiffness")
    twice = run_json(*ORDINARY, "--symptom", "spasm", "--symptom", "stiffness")
    assert once == twice


# --- recommend ---------------------------------------------------------------------------------------

def test_recommend_from_flags_prints_the_short_answer(run):
    result = run(*ORDINARY)
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith(" MASSAGE ")
    assert "Massage to ask for" in result.stdout and "--details" in result.stdout
    assert "Sources" not in result.stdout


def test_values_are_read_as_people_write_them(run_json):
    plain = run_json("recommend", "--location", "lower", "--history", "anticoagulants", "--duration", "7d",
                     "--age", "42", "--screened")
    spoken = run_json("recommend", "--location", "Lower back", "--history", "blood thinners", "--duration",
                      "a week", "--age", "42 years", "--screened")
    assert plain == spoken


def test_the_json_has_the_keys_of_spec_section_4(run_json):
    data = run_json(*ORDINARY, "--history", "anticoagulants")
    assert set(data) >= {"triage", "condition", "alternatives", "techniques", "avoid", "red_flags", "cautions",
                         "self_care", "therapist_note", "explanation", "not_asked", "unsure", "unanswered",
                         "sources", "knowledge_version", "knowledge_fingerprint"}
    assert {"pressure", "session_minutes", "frequency"} <= set(data["techniques"][0])
    assert data["avoid"] and all(item["name"] for item in data["avoid"])
    assert data["therapist_note"] and data["not_asked"] == []
    assert all({"id", "title", "url", "kind"} <= set(s) for s in data["sources"])


def test_without_screened_the_warning_signs_are_not_asked_and_said_so(run, run_json):
    data = run_json("recommend", "--location", "lower", "--cause", "lifting")
    assert "fever" in data["not_asked"]
    assert "Not asked about:" in run("recommend", "--location", "lower", "--cause", "lifting").stdout


@pytest.mark.parametrize(("args", "fragments"), [
    (["--location", "hip"], ["--location", "'hip'", "lower, upper, neck, widespread"]),
    (["--location", "lowr"], ["Did you mean 'lower'?"]),
    (["--location", "lower", "--cause", "liftin"], ["--cause", "Did you mean 'lifting'?"]),
    (["--location", "lower", "--symptom", "spasm,numbness"], ["--symptom", "'numbness'"]),
    (["--location", "lower", "--pressure", "extreme"], ["--pressure", "light, medium, firm"]),
    (["--location", "lower", "--duration", "soon"], ["--duration"]),
    (["--location", "lower", "--age", "0"], ["--age", "1 to 120"]),
    (["--location", "lower", "--age", "forty"], ["--age"]),
    (["--location", "lower", "--unsure", "spasm"], ["--unsure", "saddle-numbness"]),
])
def test_a_wrong_value_is_refused_with_the_flag_and_valid_values(run, args, fragments):
    assert_clean_error(run("recommend", *args), *fragments)


def test_every_wrong_value_is_named_at_once(run):
    result = run("recommend", "--location", "hip", "--age", "forty", "--pressure", "extreme")
    assert_clean_error(result, "3 wrong answers:", "\n  --location", "\n  --age", "\n  --pressure")


def test_a_huge_age_is_bad_input(run):
    assert_clean_error(run("recommend", "--location", "lower", "--age", "1" * 5000), "--age")


def test_missing_location_without_a_terminal_names_the_flag(run):
    assert_clean_error(run("recommend", "--cause", "lifting"), "--location")
    assert_clean_error(run("recommend", "--no-input", "--json"), "--location")


def test_details_adds_the_rest(run):
    out = run(*ORDINARY, "--details").stdout
    for part in ("What your answers point to", "Between sessions", "Tell your therapist", "Why this advice",
                 "Sources", "https://"):
        assert part in out


@pytest.mark.parametrize("suffix", [".html", ".md", ".txt"])
def test_save_writes_the_page_and_says_where(run, tmp_path, suffix):
    target = tmp_path / f"advice{suffix}"
    result = run(*ORDINARY, "--history", "anticoagulants", "--save", str(target))
    assert result.exit_code == 0, result.stderr
    assert f"Saved the answer to {target}" in result.stderr
    text = target.read_text(encoding="utf-8")
    assert "Swedish massage" in text and "blood thinner" in text.lower()
    assert result.stdout.startswith(" MASSAGE ")


def test_save_with_json_writes_both(run, tmp_path):
    target = tmp_path / "advice.md"
    result = run(*ORDINARY, "--json", "--save", str(target))
    assert result.exit_code == 0 and json.loads(result.stdout)["triage"] == "massage"
    assert target.exists()


@pytest.mark.parametrize("name", ["advice.pdf", "advice"])
def test_save_refuses_an_unknown_format_before_anything_else(run, tmp_path, name):
    assert_clean_error(run(*ORDINARY, "--save", str(tmp_path / name)), ".html, .md or .txt")


def test_save_into_a_missing_folder_is_bad_input(run, tmp_path):
    assert_clean_error(run(*ORDINARY, "--save", str(tmp_path / "no" / "where.html")), "cannot write")


# --- browsing ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["conditions", "techniques", "red-flags", "contraindications", "sources"])
def test_list_every_kind_as_text_and_json(run, run_json, kind):
    items = run_json("list", kind)
    assert items and all(item["id"] and item["name"] for item in items)
    text = run("list", kind).stdout
    assert all(item["id"] in text for item in items)


def test_list_of_sources_has_titles_urls_and_kinds(run_json):
    items = run_json("list", "sources")
    assert all(item["title"] and "kind" in item and "url" in item for item in items)


def test_list_of_an_unknown_kind_suggests_one(run):
    assert_clean_error(run("list", "red-flag-s"), "red-flags")
    assert_clean_error(run("list", "sorces"), "Did you mean 'sources'?")


def test_the_short_forms_stay(run_json):
    assert run_json("conditions") == run_json("list", "conditions")
    assert run_json("techniques") == run_json("list", "techniques")


@pytest.mark.parametrize(("item_id", "kind"), [("sciatica", "condition"), ("deep-tissue", "technique"),
                                               ("cauda-equina", "red flag"), ("anticoagulants", "contraindication"),
                                               ("nice-ng59", "source")])
def test_explain_describes_every_kind(run, run_json, item_id, kind):
    result = run("explain", item_id)
    assert result.exit_code == 0, result.stderr
    assert f"({kind} {item_id})" in result.stdout
    item = run_json("explain", item_id)
    assert item["kind"] == kind and item["id"] == item_id


def test_explain_a_source_shows_its_whole_link_and_who_cites_it(run):
    out = run("explain", "nice-ng59", env={"COLUMNS": "40"}).stdout
    assert "https://www.nice.org.uk/guidance/ng59" in out.splitlines()
    assert "Used by" in out


def test_explain_shows_both_kinds_when_an_id_is_shared(run, run_json):
    knowledge = api.load_knowledge()
    shared = sorted({c.id for c in knowledge.conditions} & {r.id for r in knowledge.contraindications})
    assert shared
    out = run("explain", shared[0]).stdout
    assert f"(condition {shared[0]})" in out and f"(contraindication {shared[0]})" in out
    item = run_json("explain", shared[0])
    assert item["kind"] == "condition" and item["also"][0]["kind"] == "contraindication"


def test_explain_an_unknown_id_suggests_the_closest(run):
    assert_clean_error(run("explain", "sciatika"), "'sciatika'", "Did you mean 'sciatica'?")


# --- knowledge from elsewhere ------------------------------------------------------------------------

@pytest.mark.parametrize("command", KNOWLEDGE_COMMANDS, ids=" ".join)
def test_every_knowledge_reading_command_takes_kb(run, tmp_path, command):
    missing = tmp_path / "nowhere"
    result = run(*command, "--kb", str(missing), input="")
    assert result.exit_code == 2, result.stderr
    assert "nowhere" in result.stderr and "Traceback" not in result.stderr


def test_the_knowledge_folder_can_come_from_the_environment(run, tmp_path):
    assert_clean_error(run("conditions", env={"BACKMASSAGE_KB": str(tmp_path / "nowhere")}), "nowhere")


def test_kb_validate_and_kb_test_pass_on_the_bundled_knowledge(run):
    result = run("kb", "validate")
    assert result.exit_code == 0 and result.stdout.rstrip().endswith(": valid")
    result = run("kb", "test")
    assert result.exit_code == 0, result.stderr
    assert "cases pass" in result.stdout


def _kb_test_with_a_case_changed(run, kb_copy, old: str, new: str):
    """`kb test` on a copy of the knowledge whose first case holding ``old`` says ``new``."""
    cases = kb_copy / "cases.yaml"
    text = cases.read_text(encoding="utf-8")
    assert old in text
    cases.write_text(text.replace(old, new, 1), encoding="utf-8")
    return run("kb", "test", str(kb_copy))


def test_kb_test_names_a_failing_case_and_exits_3(run, kb_copy):
    result = _kb_test_with_a_case_changed(run, kb_copy, "triage: emergency", "triage: massage")
    assert result.exit_code == 3, result.stderr
    assert "FAIL " in result.stderr and "expected 'massage'" in result.stderr


def test_kb_test_refuses_a_case_whose_answers_are_not_valid_with_exit_2(run, kb_copy):
    """SPEC section 7: exit 2 when the file is invalid; a case the program cannot even ask is."""
    result = _kb_test_with_a_case_changed(run, kb_copy, "location: lower", "location: hip")
    assert result.exit_code == 2, result.stderr
    assert "cases.yaml: case" in result.stderr and "location: 'hip' is not a valid value" in result.stderr


def test_a_broken_knowledge_folder_shows_its_first_problems_and_points_to_kb_validate(run, kb_copy):
    conditions = kb_copy / "conditions.yaml"
    text = conditions.read_text(encoding="utf-8")
    conditions.write_text(text.replace("- id: swedish", "- id: swedis"), encoding="utf-8")
    result = run("recommend", "--location", "lower", "--kb", str(kb_copy))
    assert_clean_error(result, "swedis")


# --- the last guard ------------------------------------------------------------------------------------

def test_an_internal_error_is_one_line_and_exit_1(run, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "recommend_answers", broken)
    result = run("recommend", "--location", "lower")
    assert_clean_error(result, "internal error", "BACKMASSAGE_DEBUG=1", code=1)


def test_debug_mode_lets_the_traceback_through(run, monkeypatch):
    monkeypatch.setattr(api, "recommend_answers", lambda *a, **k: 1 / 0)
    result = run("recommend", "--location", "lower", env={"BACKMASSAGE_DEBUG": "1"})
    assert isinstance(result.exception, ZeroDivisionError)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_install_puts_the_script_where_the_shell_finds_it(run, tmp_path, shell):
    result = run("completion", shell, "--install", env={"HOME": str(tmp_path)})
    assert result.exit_code == 0, result.stderr
    assert f"{shell} completion installed in {tmp_path}" in result.stdout
    installed = [p for p in tmp_path.rglob("*") if p.is_file() and "backmassage" in p.read_text(encoding="utf-8")]
    assert installed


def test_explain_shows_an_answer_value_with_its_synonyms_and_the_rules_that_read_it(run):
    """Synonyms live in the knowledge and explain shows them (issue 14); an id that is both a
    history value and a contraindication shows both (SPEC section 7)."""
    result = run("explain", "anticoagulants")
    assert result.exit_code == 0, result.stderr
    flat = " ".join(result.stdout.split())
    assert "(contraindication anticoagulants)" in flat and "(answer value anticoagulants)" in flat
    assert "blood thinners" in flat and "--history anticoagulants" in flat
    sign = " ".join(run("explain", "saddle-numbness").stdout.split())
    assert "Warning-sign question:" in sign and "red flag cauda-equina" in sign and "cauda-equina-unsure" in sign


def test_explain_a_source_lists_the_claims_that_cite_it(run):
    flat = " ".join(run("explain", "moraska-2015").stdout.split())
    assert "condition neck-tension" in flat  # cited by the neck-tension dose, a claim of the condition


@pytest.mark.parametrize("args", [
    ["recommend", "--location", "lower", "--cause", "lifting", "--no-input", "--json"],
    ["recommend", "--location", "hip", "--no-input"],
    ["recommend", "--help"],
    ["kb", "validate"],
    ["kb"],
    ["conditions"],
    ["list", "--json"],
    ["recomend"],
    ["--version"],
])
def test_the_installed_program_says_what_the_whole_app_says(run, args):
    """The console script builds only the command named first (a faster start): what it prints
    and its exit code must be those of the app with every command."""
    env = {**os.environ, "COLUMNS": "80", "TERM": "xterm-256color"}
    installed = subprocess.run([sys.executable, "-m", "backmassage", *args], env=env, capture_output=True,
                               text=True, timeout=60, stdin=subprocess.DEVNULL)
    whole = run(*args)
    assert (installed.returncode, installed.stdout, installed.stderr) == (whole.exit_code, whole.stdout, whole.stderr)
