"""Cold-start benchmark: backmassage against the floor that `import typer` sets.

Runs, alternating so that machine noise hits every command alike:
  floor  python -c "import typer"
  json   backmassage recommend --location lower --cause lifting --duration 3d --json
  rich   the same without --json (the rendered text, stdout not a terminal)
  help   backmassage --help (for information: typer's help imports rich)
and prints, for each, the median time and the median of its per-round ratio to the floor.

    python bench/bench_startup.py            # 40 rounds
    python bench/bench_startup.py --rounds 100

Goals (issue 10): json <= 1.1x the floor, rich <= 1.4x (`import typer, rich.console` alone is
about 1.36x). The bundled knowledge ships already checked (bundled.json), so there is no cache
to warm: every run reads the same files. `stale` shows the cost when data/ was edited without
regenerating bundled.json (a developer's tree: the loader then checks data/ in full).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ANSWERS = ["recommend", "--location", "lower", "--cause", "lifting", "--duration", "3d", "--no-input"]
GOALS = {"json": 1.1, "rich": 1.4}


def command_prefix() -> list[str]:
    script = Path(sys.executable).with_name("backmassage")
    return [str(script)] if script.exists() else [sys.executable, "-m", "backmassage"]


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()

    env = dict(os.environ, NO_COLOR="1")
    # As installed by pip, modules run from compiled bytecode: let the warm-up runs write it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    prefix = command_prefix()
    commands = {
        "floor": [sys.executable, "-c", "import typer"],
        "typer+rich": [sys.executable, "-c", "import typer, rich.console"],
        "json": prefix + ANSWERS + ["--json"],
        "rich": prefix + ANSWERS,
        "help": prefix + ["--help"],
    }
    for argv in commands.values():  # warm the OS file cache and the bytecode
        timed(argv, env)

    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, argv in commands.items():
            times[name].append(timed(argv, env))

    print(f"python {sys.version.split()[0]}, {args.rounds} rounds, command: {' '.join(prefix)}")
    print(f"{'':10} {'median ms':>10} {'ratio to floor':>15} {'goal':>6}")
    for name, samples in times.items():
        ratio = statistics.median(t / f for t, f in zip(samples, times["floor"]))
        goal = GOALS.get(name)
        verdict = "" if goal is None else (f"<= {goal}" + (" ok" if ratio <= goal else " MISSED"))
        print(f"{name:10} {statistics.median(samples) * 1000:10.1f} {ratio:15.2f} {verdict:>6}")
    print(f"repeat: {sys.executable} {' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
