"""Batch benchmark (issue 6): throughput, memory and knowledge scale, side by side in one run.

    python bench/bench_batch.py                # 100k rows: about 2-4 minutes on 2 cores
    python bench/bench_batch.py --rows 20000   # quicker, noisier

(a) Throughput: `backmassage batch rows.jsonl` against the floor of any Python batch tool on
    the same input (read each JSONL row, json.loads it, write a ~1 KB JSON line). Goal: >= 0.5.
(b) Memory: peak RSS of `backmassage batch` for 4N rows against N rows. Goal: <= 1.2.
(c) Knowledge scale: the bundled knowledge against a copy with 1,000 generated conditions:
    cold start, and per-row cost; the per-row cost must grow less than the condition count.

Every program runs in its own subprocess, stdout to /dev/null, measured with os.wait4 (wall
time, CPU time, peak RSS). Runs alternate so that noise from other work hits both sides alike;
the ratios use CPU time (user + system), which other processes on the machine disturb less
than wall time; wall times are printed too.
"""

from __future__ import annotations

import argparse
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
pad = "x" * 1000
write = sys.stdout.write
with open(sys.argv[1], encoding="utf-8") as rows:
    for number, line in enumerate(rows, 1):
        row = json.loads(line)
        write(json.dumps({"row": number, "id": row.get("id"), "triage": "massage", "pad": pad}) + "\n")
"""

# For information: `backmassage batch` with the engine's work taken away (every row gets the first
# row's recommendation). What is left (reading, checking answers, encoding 5 KB lines, writing)
# is the ceiling no engine speed-up can pass.
NO_ENGINE = r"""
import sys
from backmassage import api, batch

class FirstAnswerForAll(api.Recommender):
    def __call__(self, answers):
        if not hasattr(self, "first"):
            self.first = super().__call__(answers)
        return self.first

batch.Recommender = FirstAnswerForAll
sys.argv = ["backmassage", "batch", sys.argv[1], "--quiet"]
from backmassage.cli import main
main()
"""

LOCATIONS = ["lower", "upper", "neck", "widespread"]
CAUSES = ["lifting", "sudden-movement", "posture", "sports", "accident", "repetitive", "unknown"]
SYMPTOMS = ["stiffness", "tenderness", "spasm", "knot", "shooting-pain", "continuous-ache", "fatigue", "headaches",
            "poor-sleep", "joint-stiffness", "tingling", "saddle-numbness", "bladder-bowel-change", "leg-weakness",
            "fever", "weight-loss", "night-pain"]
COMMON_SYMPTOMS = SYMPTOMS[:11]
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
                symptoms.append(rnd.choice(SYMPTOMS[11:]))
            row: dict[str, Any] = {
                "id": f"p{number:07d}", "location": rnd.choice(LOCATIONS), "cause": rnd.choice(CAUSES),
                "symptoms": symptoms, "history": rnd.sample(HISTORY, rnd.choice([0, 0, 0, 1])),
                "duration": f"{rnd.randint(1, 30)}{rnd.choice('dwm')}", "age": rnd.randint(16, 90),
            }
            if rnd.random() < 0.5:
                row["pressure"] = rnd.choice(["light", "medium", "firm"])
            if rnd.random() < 0.01:
                row["age"] = 200  # an invalid row: an error record
            file.write(json.dumps(row) + "\n")


def generate_knowledge(target: Path, count: int, seed: int = 1000) -> int:
    """The bundled knowledge plus ``count`` generated conditions; returns the number of conditions.

    Each generated condition is shaped like the bundled ones and like those of symptom checkers:
    gated (``requires``) on a location and on its key findings (two symptoms), with evidence on
    the key findings, the location, and one or two of cause, another symptom, history, duration
    or age; one technique. They are lean (short text, one source) because the loader caps a
    knowledge file at 50,000 YAML values and 1 MiB (schema.MAX_NODES, knowledge.MAX_FILE_BYTES):
    1,000 conditions as rich as the bundled ones would be refused.
    """
    from backmassage.knowledge import bundled_folder
    from backmassage import load_knowledge

    shutil.copytree(bundled_folder(), target)
    bundled = load_knowledge(target)
    techniques = list(bundled.techniques)
    sources = list(bundled.sources)
    rnd = random.Random(seed)
    with open(target / "conditions.yaml", "a", encoding="utf-8") as file:
        for number in range(count):
            location = rnd.choice(LOCATIONS)
            keys = rnd.sample(COMMON_SYMPTOMS, 2)
            evidence: list[dict[str, Any]] = [{"symptom": keys, "weight": rnd.randint(3, 6)},
                                              {"location": location, "weight": 2}]
            for _ in range(rnd.randint(1, 2)):
                kind = rnd.choice(["cause", "symptom", "history", "duration", "age"])
                if kind == "cause":
                    item: dict[str, Any] = {"cause": rnd.choice(CAUSES)}
                elif kind == "symptom":
                    item = {"symptom": rnd.choice(COMMON_SYMPTOMS)}
                elif kind == "history":
                    item = {"history": rnd.choice(HISTORY)}
                elif kind == "duration":
                    item = {"duration": rnd.choice([{"min": "6w"}, {"max": "2w"}])}
                else:
                    item = {"age": rnd.choice([{"min": 50}, {"max": 40}])}
                evidence.append(dict(item, weight=rnd.randint(1, 3)))
            condition = {
                "id": f"generated-{number}", "name": f"Generated pattern {number}",
                "description": "Generated for the benchmark.",
                "requires": {"location": location, "symptom": keys}, "evidence": evidence,
                "techniques": [{"id": rnd.choice(techniques), "why": f"Generated reason {number}."}],
                "sources": [rnd.choice(sources)],
            }
            file.write("\n  - " + json.dumps(condition))  # JSON is YAML flow style
        file.write("\n")
    return len(bundled.conditions) + count


# --- running and measuring ---------------------------------------------------------------------

def measure(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run a command (stdout to /dev/null); its wall time, CPU time, peak RSS and exit code."""
    started = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        process = subprocess.Popen(command, stdout=devnull, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        stderr = process.stderr.read() if process.stderr else b""
        process.stderr.close() if process.stderr else None
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 3):
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{stderr.decode(errors='replace')}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "code": process.returncode}


def batch(rows: Path, kb: Path | None = None) -> list[str]:
    command = [sys.executable, "-m", "backmassage", "batch", str(rows), "--quiet"]
    return command + (["--kb", str(kb)] if kb else [])


def engine_cost(kb: Path | None, rows: Path, count: int) -> dict[str, float]:
    """In this process: microseconds per row in the engine, plain and through the batch's
    Recommender (narrowed, remembering; best of three passes over the same answers, so warm)."""
    from backmassage import engine, load_knowledge
    from backmassage.answers import parse_answers
    from backmassage.api import Recommender
    from backmassage.errors import InvalidAnswer

    knowledge = load_knowledge(kb)
    answers = []
    with open(rows, encoding="utf-8") as file:
        for line in file:
            row = json.loads(line)
            row.pop("id")
            try:
                answers.append(parse_answers(**row))
            except InvalidAnswer:
                pass
            if len(answers) == count:
                break
    narrowed = Recommender(knowledge, narrow=True)
    result = {}
    for name, recommend in (("plain", lambda a: engine.recommend(a, knowledge)), ("narrowed", narrowed)):
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            for item in answers:
                recommend(item)
            best = min(best, (time.perf_counter() - started) / len(answers) * 1e6)
        result[name] = best
    sizes = [len(narrowed.candidates(a)) for a in answers]
    result["scored"] = statistics.mean(sizes)
    result["conditions"] = len(knowledge.conditions)
    return result


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="N: rows for throughput and the smaller memory run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds for throughput and per-row cost")
    parser.add_argument("--conditions", type=int, default=1000, help="generated conditions for (c)")
    args = parser.parse_args()
    n = args.rows
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores; N = {n:,} rows; "
          f"repeat with: python bench/bench_batch.py --rows {n}", flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as temp:
        folder = Path(temp)
        env = dict(os.environ, BACKMASSAGE_CACHE_DIR=str(folder / "cache"), PYTHONDONTWRITEBYTECODE="1")
        env.pop("BACKMASSAGE_KB", None)
        rows_n, rows_4n, one = folder / "n.jsonl", folder / "4n.jsonl", folder / "one.jsonl"
        write_rows(rows_4n, 4 * n)
        with open(rows_4n, encoding="utf-8") as source, open(rows_n, "w", encoding="utf-8") as target:
            for _, line in zip(range(n), source):
                target.write(line)
        write_rows(one, 1)
        measure(batch(one), env)  # warm the knowledge cache

        # (a) throughput
        floor_runs, ours_runs, no_engine_runs = [], [], []
        for _ in range(args.rounds):
            floor_runs.append(measure([sys.executable, "-c", FLOOR, str(rows_n)], env))
            ours_runs.append(measure(batch(rows_n), env))
            no_engine_runs.append(measure([sys.executable, "-c", NO_ENGINE, str(rows_n)], env))
        ratio_cpu = median([f["cpu"] / o["cpu"] for f, o in zip(floor_runs, ours_runs)])
        ratio_wall = median([f["wall"] / o["wall"] for f, o in zip(floor_runs, ours_runs)])
        floor_rate = n / median([r["cpu"] for r in floor_runs])
        ours_rate = n / median([r["cpu"] for r in ours_runs])
        ceiling = median([f["cpu"] / o["cpu"] for f, o in zip(floor_runs, no_engine_runs)])

        # (b) memory
        big = measure(batch(rows_4n), env)
        small_rss = median([r["rss_mb"] for r in ours_runs])
        memory_ratio = big["rss_mb"] / small_rss

        # (c) knowledge scale
        kb = folder / "kb-large"
        conditions = generate_knowledge(kb, args.conditions)
        cold_large = measure(batch(one, kb), env)["wall"]  # first load: schema check, then cached
        starts: dict[str, list[float]] = {"bundled": [], "large": []}
        for _ in range(5):
            starts["bundled"].append(measure(batch(one), env)["wall"])
            starts["large"].append(measure(batch(one, kb), env)["wall"])
        m = max(2000, n // 5)
        rows_m = folder / "m.jsonl"
        with open(rows_n, encoding="utf-8") as source, open(rows_m, "w", encoding="utf-8") as target:
            for _, line in zip(range(m), source):
                target.write(line)
        per_row: dict[str, list[float]] = {"bundled": [], "large": []}
        one_cpu: dict[str, list[float]] = {"bundled": [], "large": []}
        for _ in range(args.rounds):
            for name, knowledge in (("bundled", None), ("large", kb)):
                one_cpu[name].append(measure(batch(one, knowledge), env)["cpu"])
                per_row[name].append(measure(batch(rows_m, knowledge), env)["cpu"])
        cost = {name: (median(per_row[name]) - median(one_cpu[name])) / m * 1e6 for name in per_row}
        engine_small = engine_cost(None, rows_n, 2000)
        engine_large = engine_cost(kb, rows_n, 2000)

    base_conditions = int(engine_small["conditions"])
    count_ratio = conditions / base_conditions
    cost_ratio = cost["large"] / cost["bundled"]
    print()
    print("(a) throughput, rows/s of CPU time (median of %d alternating rounds)" % args.rounds)
    print(f"    floor (json.loads + 1 KB line) {floor_rate:>10,.0f} rows/s   wall {median([r['wall'] for r in floor_runs]):6.2f} s")
    print(f"    backmassage batch              {ours_rate:>10,.0f} rows/s   wall {median([r['wall'] for r in ours_runs]):6.2f} s")
    print(f"    ratio                          {ratio_cpu:>10.2f} (wall {ratio_wall:.2f})   goal >= 0.5: "
          f"{'met' if ratio_cpu >= 0.5 else 'NOT met'}")
    print(f"    for information: the same without the engine's work {ceiling:.2f} (the ceiling an engine "
          "speed-up could reach)")
    print("(b) memory, peak RSS")
    print(f"    {n:>9,} rows {small_rss:8.1f} MB")
    print(f"    {4 * n:>9,} rows {big['rss_mb']:8.1f} MB")
    print(f"    ratio          {memory_ratio:8.2f}   goal <= 1.2: {'met' if memory_ratio <= 1.2 else 'NOT met'}")
    print(f"(c) knowledge scale: bundled ({base_conditions} conditions) vs generated ({conditions:,} conditions)")
    print(f"    cold start, warm cache   {median(starts['bundled']) * 1000:8.0f} ms   {median(starts['large']) * 1000:8.0f} ms"
          f"   (first load of the generated one, checking it: {cold_large * 1000:.0f} ms)")
    print(f"    per row, batch CPU       {cost['bundled']:8.1f} us   {cost['large']:8.1f} us   ({m:,} rows)")
    print(f"    per row, engine plain    {engine_small['plain']:8.1f} us   {engine_large['plain']:8.1f} us"
          "   (every condition scored)")
    print(f"    per row, Recommender     {engine_small['narrowed']:8.1f} us   {engine_large['narrowed']:8.1f} us"
          f"   (narrowed, remembering, warm; conditions scored per row: {engine_small['scored']:.1f} vs "
          f"{engine_large['scored']:.1f})")
    print(f"    growth: per-row cost x{cost_ratio:.2f} for x{count_ratio:.0f} conditions "
          f"(plain engine: x{engine_large['plain'] / engine_small['plain']:.1f}); "
          f"less than linear: {'yes' if cost_ratio < count_ratio else 'NO'}")


if __name__ == "__main__":
    main()
