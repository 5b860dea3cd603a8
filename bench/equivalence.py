"""Before/after equivalence of the engine rewrite (issue 10): the same answers and the same
knowledge give the same advice.

The old program runs from a checkout of the commit before the rewrite, on its own data/; the
new engine runs on that same data/, converted to the version-2 file format without changing
any content (every source gets one kind, labels come from the old vocabulary, see-clinician
rules say `avoid: []`). Both get the same generated rows; every key of the version-1 JSON is
compared, except what SPEC version 2 changes on purpose (``condition`` and ``alternatives`` are
null and empty for urgent and emergency; the explanation's wording about unasked warning signs).

    git worktree add /tmp/old 3e09520
    python bench/equivalence.py --old /tmp/old --rows 20000
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
OLD_LABELS = """
import json, sys
sys.path.insert(0, sys.argv[1])
from backmassage.vocabulary import CHOICES
print(json.dumps(CHOICES))
"""
OLD_RUN = """
import json, sys
sys.path.insert(0, sys.argv[1])
from backmassage import recommend_many
rows = [json.loads(line) for line in sys.stdin]
for rec in recommend_many(rows):
    print(json.dumps(rec.to_dict() if hasattr(rec, "to_dict") else {"error": str(rec)}, sort_keys=True))
"""
V1_CHOICES = {
    "location": ["lower", "upper", "neck", "widespread"],
    "cause": ["lifting", "sudden-movement", "posture", "sports", "accident", "repetitive", "unknown"],
    "symptoms": ["stiffness", "tenderness", "spasm", "knot", "shooting-pain", "continuous-ache", "fatigue", "headaches",
                 "poor-sleep", "joint-stiffness", "tingling", "saddle-numbness", "bladder-bowel-change",
                 "leg-weakness", "fever", "weight-loss", "night-pain"],
    "history": ["osteoarthritis", "osteoporosis", "fibromyalgia", "pregnancy", "anticoagulants", "blood-clot",
                "cancer", "recent-surgery", "steroid-use", "iv-drug-use", "immunosuppressed", "disc-herniation"],
}


def rows(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        row: dict = {"location": rng.choice(V1_CHOICES["location"])}
        if rng.random() < 0.8:
            row["cause"] = rng.choice(V1_CHOICES["cause"])
        row["symptoms"] = rng.sample(V1_CHOICES["symptoms"], rng.choice([0, 0, 1, 1, 2, 3]))
        row["history"] = rng.sample(V1_CHOICES["history"], rng.choice([0, 0, 0, 1, 2]))
        if rng.random() < 0.8:
            row["duration"] = f"{rng.randint(1, 30)}{rng.choice('dwm')}"
        if rng.random() < 0.8:
            row["age"] = rng.randint(5, 95)
        if rng.random() < 0.3:
            row["pressure"] = rng.choice(["light", "medium", "firm"])
        made.append(row)
    return made


def convert(old_data: Path, labels: dict, target: Path) -> None:
    """The old data/ in the version-2 format, with no content changed."""
    shutil.copytree(old_data, target)
    sources = yaml.safe_load((target / "sources.yaml").read_text())
    for source in sources["sources"]:
        source["kind"] = "professional"  # one kind for all: the order of sources stays as it was
    techniques = yaml.safe_load((target / "techniques.yaml").read_text())
    for technique in techniques["techniques"]:
        technique.pop("session_minutes"), technique.pop("frequency")
    for name, key in (("red_flags.yaml", "red_flags"), ("contraindications.yaml", "contraindications")):
        rules = yaml.safe_load((target / name).read_text())
        for rule in rules[key]:
            if rule.get("triage") == "see-clinician" and "avoid" not in rule:
                rule["avoid"], rule["reason"] = [], "Nothing removed in version 1."
        (target / name).write_text(yaml.safe_dump(rules, sort_keys=False, allow_unicode=True, width=10_000))
    manifest = yaml.safe_load((target / "manifest.yaml").read_text())
    for choice in manifest["fallback_techniques"]:
        choice["why"] = {"text": choice["why"], "sources": [sources["sources"][1]["id"]]}
    new_words = yaml.safe_load((HERE.parent / "data" / "answers.yaml").read_text())
    for answer, values in labels.items():
        for value, label in values.items():
            entry = new_words["answers"][answer]["values"][value]
            entry["label"], entry["synonyms"] = label.replace(",", " -"), []  # only the explanation shows labels
    for name, data in (("sources.yaml", sources), ("techniques.yaml", techniques), ("manifest.yaml", manifest),
                       ("answers.yaml", new_words)):
        (target / name).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000))


V1_KEYS = ("triage", "condition", "alternatives", "techniques", "avoid", "red_flags", "cautions", "sources",
           "knowledge_version")


def v1_view(record: dict, new: bool) -> dict:
    view = {key: record[key] for key in V1_KEYS}
    if new:
        view["techniques"] = [{k: t[k] for k in ("id", "name", "why", "benefits")} for t in record["techniques"]]
        view["avoid"] = [{"id": a["id"], "reason": a["reason"]} for a in record["avoid"]]
        view["sources"] = [{"title": s["title"], "url": s["url"]} for s in record["sources"]]
    if record["triage"] in ("urgent", "emergency"):
        view["condition"], view["alternatives"] = None, []  # SPEC v2: no muscle pattern beside an emergency
    return view


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="a checkout of the commit before the rewrite")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    old_src = str(args.old / "src")
    labels = json.loads(subprocess.run([sys.executable, "-c", OLD_LABELS, old_src], capture_output=True, text=True,
                                       check=True).stdout)
    people = rows(args.rows, args.seed)
    text = "".join(json.dumps(row) + "\n" for row in people)
    old = subprocess.run([sys.executable, "-c", OLD_RUN, old_src], input=text, capture_output=True, text=True,
                         check=True, env={"BACKMASSAGE_CACHE_DIR": "", "PATH": "/usr/bin:/bin"}).stdout.splitlines()
    from backmassage import knowledge, schema
    from backmassage.api import recommend_many

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "kb"
        convert(args.old / "data", labels, target)
        data, problems = schema.check_files(knowledge.read_folder(target), None)
        assert not problems, problems
        converted = knowledge.build(data, str(target))  # not check_compiled: v1 had no unsure rules
        new = [rec.to_dict() for rec in recommend_many(people, converted)]
    same = differ = 0
    for row, before, after in zip(people, old, new):
        if v1_view(json.loads(before), False) == v1_view(after, True):
            same += 1
        else:
            differ += 1
            if differ <= 3:
                print("DIFFERS:", json.dumps(row), "\n  old:", v1_view(json.loads(before), False),
                      "\n  new:", v1_view(after, True))
    print(f"{len(people)} rows: {same} the same, {differ} different (every version-1 key but the explanation)")
    sys.exit(1 if differ or len(old) != len(new) else 0)


if __name__ == "__main__":
    main()
