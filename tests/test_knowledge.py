"""Knowledge as a product: the schema, safe loading, custom knowledge, the safety floor,
`kb validate`, `kb schema`, and the bundled knowledge shipped already checked.

Broken folders come from tests/fixtures/broken_kb (README.md there): each is the bundled
folder with one file changed, so the fixtures hold while the bundled knowledge grows.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backmassage import KnowledgeError, load_knowledge
from backmassage import knowledge as knowledge_module
from backmassage import schema
from backmassage.knowledge import FILE_NAMES, MAX_FILE_BYTES, OPTIONAL_FILES, bundled_folder
from backmassage.vocabulary import CHOICES

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FIXTURES = sorted((HERE / "fixtures" / "broken_kb").glob("*.yaml"))
TEST_SOURCE = "  - id: test-source\n    title: A source for the tests\n    url: null\n    kind: trial\n"
HANG_GUARD = 60  # seconds: a guard against hanging, not a timing assertion


def read(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text if text.endswith("\n") else text + "\n"


def apply_fixture(fixture: Path, folder: Path) -> list[str]:
    """Change the copy of the bundled folder as the fixture says; return its expected problems."""
    spec = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    (folder / "sources.yaml").write_text(read(folder / "sources.yaml") + TEST_SOURCE, encoding="utf-8")
    target = folder / spec["file"]
    if "replace" in spec:
        base, text = 0, spec["replace"]
    else:
        original = read(target)
        base, text = original.count("\n"), original + spec["append"]
    target.write_text(text, encoding="utf-8")
    return [re.sub(r"\{\+(\d+)\}", lambda m: str(base + int(m.group(1))), line) for line in spec["expect"]]


def assert_clean_exit_2(result) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = HANG_GUARD) -> subprocess.CompletedProcess[str]:
    """The real program in a subprocess, for what could hang or run code: the timeout guards."""
    return subprocess.run([sys.executable, "-m", "backmassage", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)


# --- the bundled knowledge ------------------------------------------------------------------

def test_the_bundled_knowledge_validates_with_its_summary(run) -> None:
    result = run("kb", "validate")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    folder = bundled_folder()
    lines = result.stdout.splitlines()
    assert lines[-1] == f"{folder}: valid"
    assert re.fullmatch(rf"{re.escape(str(folder))}: knowledge \S+, \d+ conditions, \d+ techniques, "
                        r"\d+ red flags, \d+ contraindications, \d+ sources", lines[0])


def test_the_data_folder_of_the_repository_validates(run) -> None:
    result = run("kb", "validate", str(REPO / "data"))
    assert result.exit_code == 0, result.stderr


def test_the_bundled_yaml_is_safe_to_read_with_any_yaml_reader() -> None:
    """What backmassage reads as text, every YAML reader reads as text (no yes/no/1.10 surprises),
    so yaml.safe_load, editors and the JSON Schema all see the same data."""
    for name in FILE_NAMES:
        text = (bundled_folder() / name).read_text(encoding="utf-8")
        loaded = yaml.safe_load(text)
        assert json.loads(json.dumps(loaded)) == loaded, name


# --- broken fixtures: exact messages, exit 2, file and line, no traceback ---------------------

@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_a_broken_folder_lists_every_problem_with_file_and_line(fixture: Path, kb_copy: Path, run,
                                                                 tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # python_tag.yaml would `touch CANARY` here if it ever ran
    expected = apply_fixture(fixture, kb_copy)
    result = run("kb", "validate", str(kb_copy))
    assert_clean_exit_2(result)
    count = f"{len(expected)} problem{'s' * (len(expected) != 1)}"
    assert result.stderr.splitlines() == [f"{kb_copy}{os.sep}{line}" for line in expected] + [
        f"backmassage: error: {count} in {kb_copy}"]
    assert not (tmp_path / "CANARY").exists()


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_a_broken_folder_stops_every_command_with_exit_2(fixture: Path, kb_copy: Path, run) -> None:
    expected = apply_fixture(fixture, kb_copy)
    result = run("recommend", "--location", "lower", "--no-input", "--json", "--kb", str(kb_copy))
    assert_clean_exit_2(result)
    assert f"{kb_copy}{os.sep}{expected[0]}" in result.stderr
    result = run("conditions", env={"BACKMASSAGE_KB": str(kb_copy)})
    assert_clean_exit_2(result)


def test_the_api_raises_knowledge_error_listing_every_problem(kb_copy: Path) -> None:
    expected = apply_fixture(HERE / "fixtures" / "broken_kb" / "out_of_range.yaml", kb_copy)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kb_copy)
    assert caught.value.problems == [f"{kb_copy}{os.sep}{line}" for line in expected]


def test_the_python_tag_never_runs_even_in_the_real_program(kb_copy: Path, tmp_path: Path) -> None:
    apply_fixture(HERE / "fixtures" / "broken_kb" / "python_tag.yaml", kb_copy)
    result = run_cli("recommend", "--location", "lower", "--kb", str(kb_copy), cwd=tmp_path)
    assert result.returncode == 2
    assert "the tag '!!python/object/apply:os.system' is not allowed" in result.stderr
    assert not (tmp_path / "CANARY").exists()


def test_kb_validate_prefers_its_argument_then_kb_then_the_environment(kb_copy: Path, run) -> None:
    apply_fixture(HERE / "fixtures" / "broken_kb" / "empty_file.yaml", kb_copy)
    assert run("kb", "validate", "--kb", str(kb_copy)).exit_code == 2
    assert run("kb", "validate", env={"BACKMASSAGE_KB": str(kb_copy)}).exit_code == 2
    assert run("kb", "validate", str(bundled_folder()), "--kb", str(kb_copy)).exit_code == 0


def test_kb_validate_notes_yaml_files_it_does_not_read(kb_copy: Path, run) -> None:
    (kb_copy / "condition.yaml").write_text("conditions: []\n", encoding="utf-8")
    result = run("kb", "validate", str(kb_copy))
    assert result.exit_code == 0
    assert result.stderr == (f"{kb_copy}{os.sep}condition.yaml: note: not read; a knowledge folder holds "
                             f"{', '.join(FILE_NAMES + OPTIONAL_FILES)}\n")


# --- hostile files: refused fast, without hanging ------------------------------------------------

def test_a_missing_folder_and_a_file_for_a_folder_are_refused(tmp_path: Path, run) -> None:
    result = run("kb", "validate", str(tmp_path / "nowhere"))
    assert_clean_exit_2(result)
    assert result.stderr.startswith(f"{tmp_path / 'nowhere'}: not a knowledge folder (no such folder)\n")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = run("recommend", "--location", "lower", "--kb", str(tmp_path / "file"))
    assert_clean_exit_2(result)
    assert "not a knowledge folder (not a folder)" in result.stderr


@pytest.mark.parametrize("name, content, message", [
    ("sources.yaml", b"sources:\n  - id: caf\xe9\n", "sources.yaml:2: not UTF-8 text (byte 0xe9): save the file as UTF-8"),
    ("techniques.yaml", b"techniques:\n\x00\x01\x02", "techniques.yaml:2: binary data (a NUL byte), not a YAML text file"),
    ("manifest.yaml", "name: x\n".encode("utf-16"), "manifest.yaml:1: UTF-16 text: save the file as UTF-8"),
    ("conditions.yaml", b"# padding\n" * (MAX_FILE_BYTES // 10 + 1),
     f"conditions.yaml: larger than the {MAX_FILE_BYTES // 1024} KiB a knowledge file may be"),
    ("red_flags.yaml", b"red_flags: \x07\n",
     "red_flags.yaml:1: not valid YAML: the character U+0007 is not allowed (control characters are not allowed)"),
    ("sources.yaml", ("sources: [" + "a," * (schema.MAX_NODES + 1) + "]\n").encode(),
     f"sources.yaml:1: more than {schema.MAX_NODES} values: too big for a knowledge file"),
])
def test_files_that_are_not_knowledge_text_are_refused(kb_copy: Path, run, name: str, content: bytes,
                                                       message: str) -> None:
    (kb_copy / name).write_bytes(content)
    result = run("kb", "validate", str(kb_copy))
    assert_clean_exit_2(result)
    assert result.stderr.splitlines()[0] == f"{kb_copy}{os.sep}{message}"


def test_a_missing_file_names_every_required_file(kb_copy: Path, run) -> None:
    (kb_copy / "techniques.yaml").unlink()
    result = run("kb", "validate", str(kb_copy))
    assert_clean_exit_2(result)
    assert result.stderr.splitlines()[0] == (f"{kb_copy}{os.sep}techniques.yaml: missing: a knowledge folder holds "
                                             f"all of {', '.join(FILE_NAMES)}")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
def test_a_fifo_a_device_and_a_folder_are_refused_without_hanging(kb_copy: Path) -> None:
    (kb_copy / "sources.yaml").unlink()
    os.mkfifo(kb_copy / "sources.yaml")  # no writer: opening it for reading would block forever
    (kb_copy / "techniques.yaml").unlink()
    os.mknod(kb_copy / "techniques.yaml", 0o600 | __import__("stat").S_IFCHR, os.makedev(1, 5)) \
        if os.geteuid() == 0 else os.mkfifo(kb_copy / "techniques.yaml")  # /dev/zero's device: never ends
    (kb_copy / "manifest.yaml").unlink()
    (kb_copy / "manifest.yaml").mkdir()
    for args in (["kb", "validate", str(kb_copy)], ["recommend", "--location", "lower", "--kb", str(kb_copy)]):
        result = run_cli(*args)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        for name in ("manifest.yaml", "sources.yaml", "techniques.yaml"):
            assert (f"{kb_copy}{os.sep}{name}: not a regular file (a folder, device or pipe): "
                    "a knowledge file must be a plain file") in result.stderr


def test_billion_laughs_and_deep_nesting_fail_fast_in_the_real_program(kb_copy: Path) -> None:
    apply_fixture(HERE / "fixtures" / "broken_kb" / "billion_laughs.yaml", kb_copy)
    (kb_copy / "conditions.yaml").write_text("conditions: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    result = run_cli("kb", "validate", str(kb_copy))  # the timeout is the guard: expanded, this never ends
    assert result.returncode == 2
    assert f"{kb_copy}{os.sep}sources.yaml:1: anchors and aliases" in result.stderr
    assert f"{kb_copy}{os.sep}conditions.yaml:1: nested more than {schema.MAX_DEPTH} levels deep" in result.stderr


@pytest.mark.parametrize("target", ["elsewhere", "/etc/passwd"])
def test_a_link_in_a_knowledge_folder_is_refused_and_never_read(kb_copy: Path, tmp_path: Path, run,
                                                                 target: str) -> None:
    """A link could point out of the folder (to /etc/shadow, say), and messages quote file text."""
    elsewhere = tmp_path / "elsewhere.yaml"
    shutil.move(kb_copy / "sources.yaml", elsewhere)
    (kb_copy / "sources.yaml").symlink_to(elsewhere if target == "elsewhere" else target)
    result = run("kb", "validate", str(kb_copy))
    assert_clean_exit_2(result)
    assert result.stderr.splitlines()[0] == (f"{kb_copy}{os.sep}sources.yaml: a link to another file: a knowledge "
                                             "file must be a plain file in the folder")
    assert "root:" not in result.stderr


# --- never a traceback, whatever the file holds -----------------------------------------------

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
YAML_BITS = ["- ", ": ", "[", "]", "{", "}", ", ", "&a ", "*a", "!!python/object/apply:os.system ", "!!timestamp ",
             "!!float ", "!!binary ", "!x ", "'", '"', "\n", "  ", "\t", "id", "sciatica", "swedish", "2024-02-30",
             "no", "yes", "~", "1.10", "0x1F", ".inf", "<<", "---\n", "...\n", "%YAML 1.1\n", "%TAG !p! tag:x\n",
             "? ", "|", ">", "# ", "\\", "\ufeff", "\u202e", "é", "conditions", "sources", "weight", "location",
             "lower", "techniques", "when", "evidence", "min", "max", "3d", "-1", "1e3", "null"]


def _validate_with(folder: Path, name: str, content: bytes) -> None:
    from typer.testing import CliRunner

    from backmassage.cli import app

    (folder / name).write_bytes(content)
    result = CliRunner().invoke(app, ["kb", "validate", str(folder)])
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz") / "kb"
    shutil.copytree(bundled_folder(), folder)
    return folder


@FUZZ
@given(content=st.binary(max_size=400), name=st.sampled_from(FILE_NAMES))
def test_any_bytes_as_a_knowledge_file_give_exit_0_or_2(fuzz_folder: Path, content: bytes, name: str) -> None:
    original = (bundled_folder() / name).read_bytes()
    try:
        _validate_with(fuzz_folder, name, content)
    finally:
        (fuzz_folder / name).write_bytes(original)


@FUZZ
@given(parts=st.lists(st.sampled_from(YAML_BITS) | st.text(max_size=4), max_size=60),
       name=st.sampled_from(FILE_NAMES))
def test_any_yaml_like_text_as_a_knowledge_file_gives_exit_0_or_2(fuzz_folder: Path, parts: list[str],
                                                                   name: str) -> None:
    original = (bundled_folder() / name).read_bytes()
    try:
        _validate_with(fuzz_folder, name, "".join(parts).encode("utf-8", "surrogatepass"))
    finally:
        (fuzz_folder / name).write_bytes(original)


@FUZZ
@given(data=st.data(), name=st.sampled_from(FILE_NAMES))
def test_the_bundled_files_damaged_at_random_give_exit_0_or_2(fuzz_folder: Path, data, name: str) -> None:
    """Mutations of real files reach deep into the schema: a line dropped, doubled or rewritten."""
    original = (bundled_folder() / name).read_bytes()
    lines = original.decode("utf-8").splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(0, len(lines) - 1))
        operation = data.draw(st.sampled_from(["drop", "double", "replace", "indent", "dedent"]))
        if operation == "drop":
            del lines[index]
        elif operation == "double":
            lines.insert(index, lines[index])
        elif operation == "replace":
            lines[index] = lines[index].split(":")[0] + ": " + data.draw(st.sampled_from(YAML_BITS)) + "\n"
        elif operation == "indent":
            lines[index] = "  " + lines[index]
        else:
            lines[index] = lines[index][2:]
        if not lines:
            break
    try:
        _validate_with(fuzz_folder, name, "".join(lines).encode("utf-8", "surrogatepass"))
    finally:
        (fuzz_folder / name).write_bytes(original)


# --- custom knowledge and the safety floor ------------------------------------------------------

def _red_flag_nodes(folder: Path) -> dict[str, yaml.MappingNode]:
    root = yaml.compose((folder / "red_flags.yaml").read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    items = next(value for key, value in root.value if key.value == "red_flags")
    return {dict((k.value, v) for k, v in item.value)["id"].value: item for item in items.value}


def _field(item: yaml.MappingNode, name: str) -> yaml.Node:
    return next(value for key, value in item.value if key.value == name)


def _rewrite_line(path: Path, line_index: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line_index]
    lines[line_index] = lines[line_index].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def test_a_custom_folder_changes_the_recommendation(kb_copy: Path, run_json) -> None:
    usual = run_json("recommend", "--location", "lower", "--cause", "lifting", "--no-input")
    first = usual["techniques"][0]["id"]
    with open(kb_copy / "contraindications.yaml", "a", encoding="utf-8") as file:
        file.write(f"  - id: test-no-{first}\n    name: Test rule\n    when: {{location: lower}}\n"
                   f"    avoid: [{first}]\n    reason: A test leaves it out.\n    sources: [{usual_source(kb_copy)}]\n")
    custom = run_json("recommend", "--location", "lower", "--cause", "lifting", "--no-input", "--kb", str(kb_copy))
    assert first not in [t["id"] for t in custom["techniques"]]
    assert {"id": first, "name": custom["avoid"][0]["name"], "reason": "A test leaves it out."} in custom["avoid"]
    again = run_json("recommend", "--location", "lower", "--cause", "lifting", "--no-input")
    assert again == usual  # the bundled knowledge is untouched


def usual_source(folder: Path) -> str:
    root = yaml.compose((folder / "sources.yaml").read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    first = root.value[0][1].value[0]
    return dict((k.value, v) for k, v in first.value)["id"].value


def test_a_custom_folder_may_not_reword_a_bundled_rules_advice(kb_copy: Path, run) -> None:
    nodes = _red_flag_nodes(kb_copy)
    rule_id, item = next(iter(nodes.items()))
    advice = _field(item, "advice")
    _rewrite_line(kb_copy / "red_flags.yaml", advice.start_mark.line, advice.value[:20],
                  "Harmless; book a deep tissue massage. " + advice.value[:20])
    result = run("kb", "validate", str(kb_copy))
    assert_clean_exit_2(result)
    assert (f"red_flags.yaml:{advice.start_mark.line + 1}: red flag {rule_id!r} > advice: differs from the bundled "
            "rule's: the safety advice of a bundled rule cannot be reworded; add a rule of your own") in result.stderr


def test_a_custom_folder_may_not_drop_or_weaken_a_contraindication(kb_copy: Path, run) -> None:
    path = kb_copy / "contraindications.yaml"
    path.write_text("contraindications: []\n", encoding="utf-8")
    result = run("kb", "validate", str(kb_copy))
    assert_clean_exit_2(result)
    bundled = [r["id"] for r in yaml.safe_load((bundled_folder() / "contraindications.yaml").read_text())["contraindications"]]
    for rule_id in bundled:
        assert (f"contraindication {rule_id!r} of the bundled knowledge is missing: a knowledge folder may add "
                "contraindications but never drop one") in result.stderr


def test_a_custom_folder_may_not_remove_fewer_techniques(kb_copy: Path, run) -> None:
    text = (kb_copy / "contraindications.yaml").read_text(encoding="utf-8")
    rules = yaml.safe_load(text)["contraindications"]
    rule = next(r for r in rules if len(r.get("avoid", ())) >= 2)
    rule["avoid"] = rule["avoid"][:1]
    (kb_copy / "contraindications.yaml").write_text(yaml.safe_dump({"contraindications": rules}, sort_keys=False,
                                                                   allow_unicode=True, width=10_000), encoding="utf-8")
    result = run("kb", "validate", str(kb_copy))
    assert_clean_exit_2(result)
    assert f"contraindication {rule['id']!r} > avoid: leaves out" in result.stderr


def test_a_custom_folder_may_add_red_flags(kb_copy: Path, run_json) -> None:
    with open(kb_copy / "red_flags.yaml", "a", encoding="utf-8") as file:
        file.write(f"  - id: test-red-flag\n    name: Test red flag\n    when: {{location: widespread, cause: accident}}\n"
                   f"    triage: emergency\n    advice: Call for help.\n    sources: [{usual_source(kb_copy)}]\n")
    result = run_json("recommend", "--location", "widespread", "--cause", "accident", "--no-input", "--kb", str(kb_copy))
    assert result["triage"] == "emergency"
    assert "test-red-flag" in [flag["id"] for flag in result["red_flags"]]


def test_a_custom_folder_may_not_drop_a_bundled_red_flag(kb_copy: Path, run) -> None:
    nodes = _red_flag_nodes(kb_copy)
    rule_id, item = next(iter(nodes.items()))
    path = kb_copy / "red_flags.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[item.start_mark.line: item.end_mark.line]
    path.write_text("".join(lines), encoding="utf-8")
    list_line = next(i for i, line in enumerate(lines) if line.startswith("red_flags:")) + 1
    result = run("kb", "validate", str(kb_copy))
    assert_clean_exit_2(result)
    assert result.stderr.splitlines()[0] == (
        f"{kb_copy}{os.sep}red_flags.yaml:1: red flag {rule_id!r} of the bundled knowledge is missing: "
        "a knowledge folder may add red flags but never drop one (docs/knowledge.md, Safety floor)")


def test_a_custom_folder_may_not_lower_a_red_flags_triage(kb_copy: Path, run) -> None:
    nodes = _red_flag_nodes(kb_copy)
    rule_id, item = next((rid, node) for rid, node in nodes.items() if _field(node, "triage").value == "emergency")
    triage = _field(item, "triage")
    _rewrite_line(kb_copy / "red_flags.yaml", triage.start_mark.line, f"triage: {triage.value}", "triage: urgent")
    result = run("kb", "validate", str(kb_copy))
    assert_clean_exit_2(result)
    assert result.stderr.splitlines()[0] == (
        f"{kb_copy}{os.sep}red_flags.yaml:{triage.start_mark.line + 1}: red flag {rule_id!r} > triage: 'urgent' "
        f"is less urgent than the bundled {triage.value!r}: a bundled rule's triage can be raised, never lowered")


def test_a_custom_folder_may_raise_a_red_flags_triage(kb_copy: Path, run) -> None:
    nodes = _red_flag_nodes(kb_copy)
    item = next(node for node in nodes.values() if _field(node, "triage").value != "emergency")
    triage = _field(item, "triage")
    _rewrite_line(kb_copy / "red_flags.yaml", triage.start_mark.line, f"triage: {triage.value}", "triage: emergency")
    result = run("kb", "validate", str(kb_copy))
    assert result.exit_code == 0, result.stderr


def test_a_custom_folder_may_not_narrow_a_red_flag(kb_copy: Path, run) -> None:
    nodes = _red_flag_nodes(kb_copy)
    rule_id, item = next(iter(nodes.items()))
    when = _field(item, "when")
    path = kb_copy / "red_flags.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    key_line = next(i for i in range(item.start_mark.line, when.start_mark.line + 1)
                    if lines[i].lstrip().startswith("when:"))
    end = when.end_mark.line + 1 if when.flow_style else when.end_mark.line  # a block ends where the next key starts
    indent = lines[key_line][: len(lines[key_line]) - len(lines[key_line].lstrip())]
    lines[key_line:end] = [f"{indent}when: {{all: [{{age: {{min: 120}}}}, {{location: lower}}]}}\n"]
    path.write_text("".join(lines), encoding="utf-8")
    result = run("kb", "validate", str(kb_copy))
    assert_clean_exit_2(result)
    bundled = {rule["id"]: rule for rule in knowledge_module.bundled_data()["red_flags.yaml"]["red_flags"]}
    from backmassage.expressions import describe

    assert (f"{kb_copy}{os.sep}red_flags.yaml:{key_line + 1}: red flag {rule_id!r} > when: differs from the bundled "
            f"rule ({describe(bundled[rule_id]['when'])}): a bundled rule's when cannot change; add a rule of your own "
            "to widen it") in result.stderr


def test_the_same_red_flag_written_another_way_is_the_same() -> None:
    assert schema.canonical({"symptom": ["b", "a"], "all": [{"age": {"min": 1}}, {"cause": ["x"]}]}) == \
        schema.canonical({"all": [{"cause": ["x"]}, {"age": {"min": 1}}], "symptom": ["a", "b"]})


# --- kb schema ----------------------------------------------------------------------------------

def _schema_from_cli(run) -> dict:
    result = run("kb", "schema")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_kb_schema_prints_a_draft_2020_12_schema_of_every_file(run) -> None:
    printed = _schema_from_cli(run)
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert [alternative["title"] for alternative in printed["oneOf"]] == list(FILE_NAMES + OPTIONAL_FILES)
    symptom = printed["$defs"]["expression"]["properties"]["symptom"]["anyOf"][0]["enum"]
    assert symptom == list(CHOICES["symptoms"])


def test_kb_schema_validates_the_bundled_files_and_refuses_broken_ones(run) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(_schema_from_cli(run))
    validator.check_schema(validator.schema)
    for name in FILE_NAMES + OPTIONAL_FILES:
        document = json.loads(json.dumps(yaml.safe_load((bundled_folder() / name).read_text(encoding="utf-8"))))
        assert list(validator.iter_errors(document)) == [], name
    for broken in ["conditions: [{id: x, name: yes}]",  # a YAML 1.1 boolean where text is meant
                   "sources: [{id: x, titel: y, url: null}]",  # a misspelt key
                   "red_flags: [{id: x, name: y, when: {location: hip}, triage: urgent, advice: z, sources: [s]}]",
                   "knowledge_version: '1'\nname: x\nmin_score: 2\nfallback_techniques: [{id: swedish, why: y}]"]:
        assert list(validator.iter_errors(yaml.safe_load(broken))), broken


def test_the_editor_setup_in_the_docs_uses_the_printed_schema() -> None:
    docs = (REPO / "docs" / "knowledge.md").read_text(encoding="utf-8")
    assert "# yaml-language-server: $schema=" in docs
    assert "backmassage kb schema" in docs


def test_the_worked_example_in_the_docs_validates(kb_copy: Path, run) -> None:
    docs = (REPO / "docs" / "knowledge.md").read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- worked example: (\S+) -->\s*```yaml\n(.*?)```", docs, re.S)
    assert blocks, "docs/knowledge.md has no worked example"
    for name, text in blocks:
        with open(kb_copy / name, "a", encoding="utf-8") as file:
            file.write("\n".join(line for line in text.splitlines() if not line.startswith(f"{name.split('.')[0]}:")) + "\n")
    result = run("kb", "validate", str(kb_copy))
    assert result.exit_code == 0, result.stderr
    assert "example-" not in run("conditions", "--json").stdout  # only the copy changed


# --- the bundled knowledge ships already checked ------------------------------------------------

def test_the_shipped_check_of_the_bundled_knowledge_equals_a_full_check_of_data() -> None:
    """bundled.json is what a full check of data/ gives; regenerate it with
    python -c "from backmassage.knowledge import write_bundled; write_bundled()"."""
    contents = knowledge_module.read_folder(bundled_folder())
    shipped = json.loads(knowledge_module.BUNDLED_CHECKED.read_text(encoding="utf-8"))
    assert shipped["files"] == knowledge_module.file_hashes(contents), "bundled.json is stale: regenerate it"
    checked = knowledge_module.check_contents(bundled_folder(), contents, floor=None)[0]
    assert shipped["data"] == checked
    assert shipped["fingerprint"] == knowledge_module.fingerprint(checked)


def test_a_changed_data_file_is_checked_in_full_not_served_stale(kb_copy: Path, monkeypatch) -> None:
    """While a file of data/ differs from what bundled.json was made from, the loader checks data/."""
    with open(kb_copy / "conditions.yaml", "a", encoding="utf-8") as file:
        file.write("  - {id: broken\n")
    monkeypatch.setattr(knowledge_module, "bundled_folder", lambda: kb_copy)
    with pytest.raises(KnowledgeError):
        knowledge_module.load_knowledge(None)


def test_the_bundled_path_imports_neither_yaml_nor_the_schema() -> None:
    code = ("import sys; from backmassage import recommend; recommend(location='lower'); "
            "print(sorted(m for m in sys.modules if m in ('yaml', 'backmassage.schema', 'typer', 'rich')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=HANG_GUARD)
    assert result.stdout.strip() == "[]", result.stderr


def test_nothing_is_written_to_home_or_a_cache(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    result = run_cli("recommend", "--location", "lower", "--no-input", "--json",
                     env={"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")})
    assert result.returncode == 0, result.stderr
    assert list(home.iterdir()) == []


# --- version 2: claims, warning signs, words, and what a rule may say ------------------------------

def _problems(folder: Path) -> list[str]:
    """What `kb validate FOLDER` lists, each problem as printed."""
    return knowledge_module.validate_folder(folder)[1]


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    text = (folder / name).read_text(encoding="utf-8")
    assert old in text, old
    (folder / name).write_text(text.replace(old, new, 1), encoding="utf-8")


def _append_rule(folder: Path, name: str, body: str) -> None:
    with open(folder / name, "a", encoding="utf-8") as file:
        file.write(body)


def test_a_claim_resting_only_on_a_clinic_page_is_refused(kb_copy: Path) -> None:
    _append_rule(kb_copy, "sources.yaml", "  - id: a-spa-page\n    title: A spa's page\n    url: null\n    kind: clinic\n")
    _append_rule(kb_copy, "contraindications.yaml",
                 "  - id: test-spa-claim\n    name: Spa claim\n    when: {location: lower}\n"
                 "    caution: Massage detoxifies the muscles.\n    sources: [a-spa-page]\n")
    problems = _problems(kb_copy)
    assert len(problems) == 1
    assert problems[0].endswith("contraindication 'test-spa-claim': this claim rests only on sources of kind clinic "
                                "or founding-text (a-spa-page): cite a guideline, review, trial, textbook, government "
                                "or professional source, or reword it to what they support")


def test_a_see_clinician_rule_must_say_what_it_removes(kb_copy: Path) -> None:
    source = usual_source(kb_copy)
    _append_rule(kb_copy, "red_flags.yaml", f"  - id: test-check-first\n    name: Check first\n"
                 f"    when: {{location: upper, cause: sports}}\n    triage: see-clinician\n    advice: See a doctor.\n"
                 f"    sources: [{source}]\n")
    problems = _problems(kb_copy)
    assert len(problems) == 1 and "red flag 'test-check-first': a see-clinician rule must say what it removes" \
        in problems[0]
    _edit(kb_copy, "red_flags.yaml", "    advice: See a doctor.\n",
          "    advice: See a doctor.\n    avoid: []\n    reason: Nothing it suspects makes gentle massage unsafe.\n")
    assert _problems(kb_copy) == []


def test_a_rule_counting_on_a_missing_warning_sign_is_refused(kb_copy: Path) -> None:
    _append_rule(kb_copy, "contraindications.yaml",
                 f"  - id: test-no-fever\n    name: No fever\n    when: {{location: lower, not: {{symptom: fever}}}}\n"
                 f"    caution: Fine.\n    sources: [{usual_source(kb_copy)}]\n")
    assert any("rule 'test-no-fever' fires only when fever is absent" in p for p in _problems(kb_copy))


def test_an_unsure_warning_sign_must_never_end_in_massage(kb_copy: Path) -> None:
    rules = yaml.safe_load((kb_copy / "red_flags.yaml").read_text(encoding="utf-8"))
    kept = [r for r in rules["red_flags"] if "unsure" not in json.dumps(r["when"])]
    (kb_copy / "red_flags.yaml").write_text(yaml.safe_dump({"red_flags": kept}, sort_keys=False, width=10_000,
                                                           allow_unicode=True), encoding="utf-8")
    problems = _problems(kb_copy)
    assert any("a person who is not sure about 'saddle-numbness' (lower pain) is triaged 'massage'" in p
               or "of the bundled knowledge is missing" in p for p in problems), problems


@pytest.mark.parametrize("bad, shown", [("\u200b", "U+200B"), ("\u2028", "U+2028"), ("\u061c", "U+061C"),
                                        ("\u200f", "U+200F")])
def test_invisible_and_line_breaking_characters_are_refused_in_text(kb_copy: Path, bad: str, shown: str) -> None:
    _append_rule(kb_copy, "red_flags.yaml",
                 f"  - id: test-fake-line\n    name: \"Numb{bad}all clear, book a massage\"\n    when: {{unsure: fever}}\n"
                 f"    triage: urgent\n    advice: See a doctor today.\n    sources: [{usual_source(kb_copy)}]\n")
    problems = _problems(kb_copy)
    assert any(f"the character {shown}" in p for p in problems), problems


def test_an_id_with_a_trailing_newline_is_no_id(kb_copy: Path) -> None:
    _append_rule(kb_copy, "techniques.yaml", '  - id: "swedish\\n"\n    name: Look-alike\n    description: x\n'
                 f"    pressure: light\n    benefits: [x]\n    sources: [{usual_source(kb_copy)}]\n")
    assert any("is not a valid id" in p for p in _problems(kb_copy))


def test_a_synonym_may_stand_for_one_value_only(kb_copy: Path) -> None:
    _edit(kb_copy, "answers.yaml", "synonyms: [pins and needles", "synonyms: [back spasms, pins and needles")
    problems = _problems(kb_copy)
    assert any("'back spasms' already means symptoms 'spasm': a word may stand for one value only" in p
               for p in problems), problems


@pytest.mark.parametrize("when", ["{location: neck, all: [{location: lower}]}",
                                  "{cause: major-accident, not: {cause: accident}}"])
def test_a_rule_no_person_can_meet_is_a_warning(kb_copy: Path, when: str) -> None:
    _append_rule(kb_copy, "contraindications.yaml", f"  - id: test-never\n    name: Never\n    when: {when}\n"
                 f"    caution: Never shown.\n    sources: [{usual_source(kb_copy)}]\n")
    assert len(knowledge_module.validate_folder(kb_copy)[2]) == 1


def test_a_rule_that_can_never_fire_is_a_warning(kb_copy: Path) -> None:
    _append_rule(kb_copy, "contraindications.yaml",
                 "  - id: test-never\n    name: Never\n    when: {all: [{symptom: spasm}, {not: {symptom: spasm}}]}\n"
                 f"    caution: Never shown.\n    sources: [{usual_source(kb_copy)}]\n")
    _, problems, warned = knowledge_module.validate_folder(kb_copy)
    assert problems == []
    assert warned == [f"{kb_copy}{os.sep}contraindications.yaml: rule 'test-never' can never fire "
                      "(all of (symptom: spasm; not symptom: spasm))"]
