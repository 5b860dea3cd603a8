"""Batch benchmark (issues 6, 10, 14): throughput, memory, knowledge scale and the new outputs,
side by side in one run. Not a test: CI does not run it.

    python bench/bench_batch.py                 # N = 20,000 rows: about 4 minutes on 2 cores
    python bench/bench_batch.py --rows 100000   # the issue's 100k / 400k rows: about 12 minutes
    python bench/bench_batch.py --clinic 300 > clinic.csv   # a clinic-shaped export to try by hand

(a) Throughput: `backmassage batch rows.jsonl` against a same-shape floor, the least any Python
    batch tool does with this input and output: read each JSONL row, json.loads it, json.dumps
    one of backmassage's own output records (~5 KB, made once) with the row's number and id,
    write it. Goal: floor / backmassage >= 0.8. For information, the same batch with the
    engine's work taken away (every row gets one precomputed recommendation): what reading,
    checking the row, encoding and writing cost, which is the batch's own share.
(b) Memory: peak RSS of `backmassage batch` for 4N rows against N rows. Goal: <= 1.2.
(c) Knowledge scale: the bundled knowledge against a copy with 1,000 generated conditions, per
    row (the CPU time of M rows minus that of one row, over M). Goal: <= 4x the bundled.
(d) The new outputs, measured separately: the same N rows to -o .csv and -o .html against
    -o .jsonl.
(e) Where a row's time goes: each stage of a row on its own, in one process, for information.

Every program runs in its own subprocess, output to a file in a temporary folder (or
/dev/null), measured with os.wait4 (wall time, CPU time, peak RSS). Runs alternate so that
noise from other work hits each side alike; ratios use CPU time (user + system), which other
processes disturb less than wall time; wall times are printed too.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FLOOR = r"""
import json, sys
record = json.load(open(sys.argv[2], encoding="utf-8"))  # one of backmassage's own records, ~5 KB
write = sys.stdout.write
with open(sys.argv[1], encoding="utf-8") as rows:
    for number, line in enumerate(rows, 1):
        row = json.loads(line)
        write(json.dumps({"row": number, "line": number, "id": row.get("id"), **record},
                         ensure_ascii=False, separators=(",", ":")) + "\n")
"""

# `backmassage batch` with the engine's work taken away: every valid row gets the first row's
# recommendation (the row's answers are still checked). What is left is the batch's own cost.
NO_ENGINE = r"""
import sys
from backmassage import api, engine

real = engine.recommend
first = []

def same_for_all(answers, knowledge):
    if not first:
        first.append(real(answers, knowledge))
    return first[0]

engine.recommend = same_for_all
sys.argv = ["backmassage", "batch", sys.argv[1], "--quiet"]
from backmassage.cli import main
main()
"""

LOCATIONS = ["lower", "upper", "neck", "widespread"]
CAUSES = ["lifting", "sudden-movement", "posture", "sports", "accident", "repetitive", "unknown"]
COMMON_SYMPTOMS = ["stiffness", "tenderness", "spasm", "knot", "shooting-pain", "continuous-ache", "fatigue",
                   "headaches", "poor-sleep", "joint-stiffness", "tingling"]
WARNING_SIGNS = ["saddle-numbness", "bladder-bowel-change", "leg-weakness", "fever", "weight-loss", "night-pain"]
HISTORY = ["osteoarthritis", "osteoporosis", "fibromyalgia", "pregnancy", "anticoagulants", "blood-clot", "cancer",
           "recent-surgery", "steroid-use", "iv-drug-use", "immunosuppressed", "disc-herniation"]


# --- inputs ------------------------------------------------------------------------------------

def write_rows(path: Path, count: int, seed: int = 6) -> None:
    """Intake rows as a clinic would send them: mostly common answers, a few warning signs, 1% invalid."""
    rnd = random.Random(seed)
    with open(path, "w", encoding="utf-8") as file:
        for number in range(count):
            symptoms = rnd.sample(COMMON_SYMPTOMS, rnd.choice([0, 1, 1, 2, 2, 3]))
            if rnd.random() < 0.05:
                symptoms.append(rnd.choice(WARNING_SIGNS))
            row: dict[str, Any] = {
                "id": f"p{number:07d}", "location": rnd.choice(LOCATIONS), "cause": rnd.choice(CAUSES),
                "symptoms": symptoms, "history": rnd.sample(HISTORY, rnd.choice([0, 0, 0, 1])),
                "duration": f"{rnd.randint(1, 30)}{rnd.choice('dwm')}", "age": rnd.randint(16, 90),
                "screened": rnd.random() < 0.7,
            }
            if rnd.random() < 0.5:
                row["pressure"] = rnd.choice(["light", "medium", "firm"])
            if rnd.random() < 0.01:
                row["age"] = 200  # an invalid row: an error record
            file.write(json.dumps(row) + "\n")


def clinic_export(count: int, seed: int = 14) -> str:
    """A clinic's booking-system export (issue 14): BOM, ';', CRLF, Title Case headers, extra
    columns, values as people write them, a few rows with several problems."""
    rnd = random.Random(seed)
    places = ["Lower back", "Lower Back", "lower back", "lower", "Neck", "neck", "Upper back", "upper", "widespread"]
    symptoms = ["back spasms", "Stiffness", "stiffness", "knot", "tenderness", "shooting pain", "pins and needles",
                "headaches", "poor sleep", "fatigue"]
    signs = ["Saddle Numbness", "saddle_numbness", "fever", "weight loss", "night pain", "leg weakness"]
    history = ["", "", "", "blood thinners", "osteoarthritis", "slipped disc", "pregnancy", "osteoporosis"]
    out = [";".join(["Client ID", "First Name", "Pain Location", "Cause", "Symptoms", "History", "Duration", "Age",
                     "Pressure", "Screened", "Notes", "Phone"])]
    for number in range(1, count + 1):
        picked = rnd.sample(symptoms, rnd.choice([0, 1, 2, 2, 3]))
        if rnd.random() < 0.06:
            picked.append(rnd.choice(signs))
        row = [f"C-{number:04d}", rnd.choice(["Ann", "Bob", "Chloé", "Dev", "Eve"]), rnd.choice(places),
               rnd.choice(["lifting", "posture", "sports", "Sudden movement", "", "unknown"]), ", ".join(picked),
               rnd.choice(history), rnd.choice(["3 days", "2w", "6 weeks", "a week", "4 months", ""]),
               str(rnd.randint(18, 85)), rnd.choice(["", "light", "Medium", "firm"]), rnd.choice(["yes", "yes", "no", ""]),
               rnd.choice(["", "Prefers mornings", "\"Parking; side door\"", "\"Two lines,\nof notes\""]),
               f"555-{number:04d}"]
        if rnd.random() < 0.03:  # genuinely wrong: several problems in one row
            row[2], row[7], row[8] = "hip", "fifty", "deep"
        out.append(";".join(row))
    return "\ufeff" + "\r\n".join(out) + "\r\n"


def generate_knowledge(target: Path, count: int, seed: int = 1000) -> int:
    """The bundled knowledge plus ``count`` generated conditions (format v2); returns the number
    of conditions. Each is shaped like the bundled ones: gated on a location and two key
    findings, evidence on those and one or two more answers, one technique, lean text."""
    from backmassage import load_knowledge
    from backmassage.knowledge import bundled_folder

    shutil.copytree(bundled_folder(), target)
    bundled = load_knowledge(target)
    techniques = list(bundled.techniques)
    strong = [s.id for s in bundled.sources.values() if s.kind in ("guideline", "systematic-review", "trial")]
    rnd = random.Random(seed)
    with open(target / "conditions.yaml", "a", encoding="utf-8") as file:
        for number in range(count):
            location = rnd.choice(LOCATIONS)
            keys = rnd.sample(COMMON_SYMPTOMS, 2)
            evidence: list[dict[str, Any]] = [{"symptom": keys, "weight": rnd.randint(3, 6)},
                                              {"location": location, "weight": 2}]
            for _ in range(rnd.randint(1, 2)):
                kind = rnd.choice(["cause", "symptom", "history", "duration", "age"])
                item: dict[str, Any] = {
                    "cause": {"cause": rnd.choice(CAUSES)}, "symptom": {"symptom": rnd.choice(COMMON_SYMPTOMS)},
                    "history": {"history": rnd.choice(["osteoarthritis", "fibromyalgia"])},
                    "duration": {"duration": rnd.choice([{"min": "6w"}, {"max": "2w"}])},
                    "age": {"age": rnd.choice([{"min": 50}, {"max": 40}])}}[kind]
                evidence.append(dict(item, weight=rnd.randint(1, 3)))
            source = rnd.choice(strong)
            condition = {
                "id": f"generated-{number}", "name": f"Generated pattern {number}",
                "description": "Generated for the benchmark.",
                "requires": {"location": location, "symptom": keys}, "evidence": evidence,
                "techniques": [{"id": rnd.choice(techniques), "why": f"Generated reason {number}.",
                                "sources": [source]}],
                "dose": [{"session_minutes": None, "frequency": None, "sources": [source]}],
                "sources": [source],
            }
            file.write("\n  - " + json.dumps(condition))  # JSON is YAML flow style
        file.write("\n")
    return len(load_knowledge(target).conditions)


# --- running and measuring ---------------------------------------------------------------------

def measure(command: list[str], env: dict[str, str], stdout: Path | None = None) -> dict[str, float]:
    """Run a command; its wall time, CPU time, peak RSS and exit code."""
    started = time.perf_counter()
    with open(stdout or os.devnull, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        stderr = process.stderr.read() if process.stderr else b""
        if process.stderr:
            process.stderr.close()
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 3):
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{stderr.decode(errors='replace')}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def batch(rows: Path, *extra: str, kb: Path | None = None) -> list[str]:
    command = [sys.executable, "-m", "backmassage", "batch", str(rows), "--quiet", *extra]
    return command + (["--kb", str(kb)] if kb else [])


def median(values: list[float]) -> float:
    return statistics.median(values)


def head(source: Path, target: Path, count: int) -> None:
    with open(source, encoding="utf-8") as rows, open(target, "w", encoding="utf-8") as out:
        for _, line in zip(range(count), rows):
            out.write(line)


def sample_record(rows: Path, target: Path) -> int:
    """One of backmassage's own output records (a massage row, the common case), for the floor."""
    from backmassage import recommend_many

    with open(rows, encoding="utf-8") as file:
        for line in file:
            row = json.loads(line)
            result = next(recommend_many([row]))
            if getattr(result, "triage", None) == "massage":
                record = result.to_dict()
                target.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
                return len(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode())
    raise SystemExit("no massage row in the sample")


STAGES = r"""
import gc, itertools, json, sys, time
from backmassage import api
from backmassage.errors import InvalidAnswer

knowledge = api.load_knowledge()
lines = list(itertools.islice(open(sys.argv[1], encoding="utf-8"), 5000))
rows = [json.loads(line) for line in lines]
results = [api.recommend_row(row, knowledge) for row in rows]
records = [r.to_dict() for r in results if not isinstance(r, InvalidAnswer)]
try:
    import orjson
except ImportError:
    orjson = None
stages = {
    "json.loads of the row": lambda: [json.loads(line) for line in lines],
    "checking the answers and the engine": lambda: [api.recommend_row(row, knowledge) for row in rows],
    "Recommendation.to_dict": lambda: [r.to_dict() for r in results if not isinstance(r, InvalidAnswer)],
    "json.dumps of the record": lambda: [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records],
}
if orjson:
    stages["orjson.dumps of the record"] = lambda: [orjson.dumps(r) for r in records]
gc.disable()  # the stages keep 5,000 results alive, which a batch never does: no collections of them
for name, stage in stages.items():
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        stage()
        best = min(best, time.process_time() - started)
    print(f"    {name:<38} {best / len(rows) * 1e6:7.1f} us")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="N: rows for throughput and the smaller memory run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds for throughput and per-row cost")
    parser.add_argument("--conditions", type=int, default=1000, help="generated conditions for (c)")
    parser.add_argument("--clinic", type=int, metavar="ROWS", help="print a clinic-shaped CSV export and stop")
    args = parser.parse_args()
    if args.clinic:
        sys.stdout.write(clinic_export(args.clinic))
        return
    n = args.rows
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores; N = {n:,} rows; "
          f"repeat with: python bench/bench_batch.py --rows {n}", flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as temp:
        folder = Path(temp)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        env.pop("BACKMASSAGE_KB", None)
        rows_n, rows_4n, one, record = folder / "n.jsonl", folder / "4n.jsonl", folder / "one.jsonl", folder / "r.json"
        write_rows(rows_4n, 4 * n)
        head(rows_4n, rows_n, n)
        head(rows_4n, one, 1)
        record_bytes = sample_record(rows_n, record)

        # (a) throughput
        floor_runs, ours_runs, no_engine_runs = [], [], []
        for _ in range(args.rounds):
            floor_runs.append(measure([sys.executable, "-c", FLOOR, str(rows_n), str(record)], env))
            ours_runs.append(measure(batch(rows_n), env))
            no_engine_runs.append(measure([sys.executable, "-c", NO_ENGINE, str(rows_n)], env))
        ratio_cpu = median([f["cpu"] / o["cpu"] for f, o in zip(floor_runs, ours_runs)])
        ratio_wall = median([f["wall"] / o["wall"] for f, o in zip(floor_runs, ours_runs)])
        ceiling = median([f["cpu"] / o["cpu"] for f, o in zip(floor_runs, no_engine_runs)])
        rate = {name: n / median([r["cpu"] for r in runs])
                for name, runs in (("floor", floor_runs), ("ours", ours_runs), ("no_engine", no_engine_runs))}
        print("(a) done", flush=True)

        # (d) the new outputs, on the same N rows, each to a file
        outputs: dict[str, list[float]] = {"jsonl": [], "csv": [], "html": []}
        for _ in range(args.rounds):
            for fmt in outputs:
                outputs[fmt].append(measure(batch(rows_n, "-o", str(folder / f"out.{fmt}")), env)["cpu"])
        sizes = {fmt: (folder / f"out.{fmt}").stat().st_size for fmt in outputs}
        print("(d) done", flush=True)

        # (b) memory
        big = measure(batch(rows_4n), env)
        small_rss = median([r["rss_mb"] for r in ours_runs])
        memory_ratio = big["rss_mb"] / small_rss
        print("(b) done", flush=True)

        # (c) knowledge scale
        kb = folder / "kb-large"
        conditions = generate_knowledge(kb, args.conditions)
        from backmassage import load_knowledge

        base_conditions = len(load_knowledge().conditions)
        m = max(2000, n // 5)
        rows_m = folder / "m.jsonl"
        head(rows_n, rows_m, m)
        per_row: dict[str, list[float]] = {"bundled": [], "large": []}
        one_cpu: dict[str, list[float]] = {"bundled": [], "large": []}
        for _ in range(args.rounds):
            for name, knowledge in (("bundled", None), ("large", kb)):
                one_cpu[name].append(measure(batch(one, kb=knowledge), env)["cpu"])
                per_row[name].append(measure(batch(rows_m, kb=knowledge), env)["cpu"])
        cost = {name: (median(per_row[name]) - median(one_cpu[name])) / m * 1e6 for name in per_row}
        start = {name: median(one_cpu[name]) * 1000 for name in one_cpu}

    cost_ratio = cost["large"] / cost["bundled"]
    jsonl_cpu = median(outputs["jsonl"])
    print()
    print(f"(a) throughput, rows/s of CPU time (median of {args.rounds} alternating rounds; records ~{record_bytes:,} B)")
    print(f"    floor (json.loads + a {record_bytes / 1024:.1f} KB record) {rate['floor']:>9,.0f} rows/s   "
          f"wall {median([r['wall'] for r in floor_runs]):6.2f} s")
    print(f"    backmassage batch                  {rate['ours']:>9,.0f} rows/s   "
          f"wall {median([r['wall'] for r in ours_runs]):6.2f} s")
    print(f"    ratio floor/batch                  {ratio_cpu:>9.2f} (wall {ratio_wall:.2f})   goal >= 0.8: "
          f"{'met' if ratio_cpu >= 0.8 else 'NOT met'}")
    print(f"    batch without the engine's work    {rate['no_engine']:>9,.0f} rows/s   ratio {ceiling:.2f} "
          "(the batch's own share: reading, checking, encoding, writing)")
    print("(b) memory, peak RSS")
    print(f"    {n:>9,} rows {small_rss:8.1f} MB")
    print(f"    {4 * n:>9,} rows {big['rss_mb']:8.1f} MB")
    print(f"    ratio          {memory_ratio:8.2f}   goal <= 1.2: {'met' if memory_ratio <= 1.2 else 'NOT met'}")
    print(f"(c) knowledge scale: bundled ({base_conditions} conditions) vs generated ({conditions:,} conditions)")
    print(f"    start, one row, CPU      {start['bundled']:8.0f} ms   {start['large']:8.0f} ms")
    print(f"    per row, batch CPU       {cost['bundled']:8.1f} us   {cost['large']:8.1f} us   ({m:,} rows)")
    print(f"    ratio                    {cost_ratio:8.2f}   goal <= 4: {'met' if cost_ratio <= 4 else 'NOT met'}")
    print(f"(d) outputs, {n:,} rows to a file, CPU time (median of {args.rounds})")
    for fmt in outputs:
        cpu = median(outputs[fmt])
        print(f"    -o out.{fmt:<5}  {cpu:7.2f} s   x{cpu / jsonl_cpu:4.2f} of jsonl   {sizes[fmt] / 1e6:8.1f} MB")
    print("(e) where a row's time goes, in one process (CPU time per row, best of 5, the first 5,000 rows)")
    with tempfile.TemporaryDirectory(prefix="bench-stages-") as temp:
        rows_file = Path(temp) / "rows.jsonl"
        write_rows(rows_file, 5000)
        subprocess.run([sys.executable, "-c", STAGES, str(rows_file)], check=True)


if __name__ == "__main__":
    main()
