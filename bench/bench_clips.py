"""Peer benchmark (issue 10): backmassage against CLIPS, a classic rule engine, on the same rows.

The CLIPS side is the same knowledge translated rule for rule: every condition's `requires`
and evidence item, and every red flag and contraindication, becomes a CLIPS rule whose left
side is the expression (choice values, age and duration ranges, all/any/not) and whose right
side asserts that it matched. Per row CLIPS only matches: reset, assert the answers as facts,
run. backmassage does the whole job per row: parse and check the answers, score, apply every
safety rule, pick techniques and dose, explain, and build the SPEC section 4 dict.

    pip install clipspy          # not a dependency of backmassage: only this benchmark uses it
    python bench/bench_clips.py --rows 5000
    python bench/bench_clips.py --rows 2000 --conditions 1000

Goal (issue 10): backmassage >= 5x CLIPS's rows/s at the bundled 9 conditions.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_batch import generate_knowledge, write_rows  # noqa: E402  (the same rows and generated knowledge)

from backmassage import api  # noqa: E402
from backmassage.expressions import All, Any_, AnswerIn, BestCondition, InRange, Not  # noqa: E402


class Translator:
    """Our compiled expressions as CLIPS conditional elements."""

    def __init__(self) -> None:
        self.variables = 0

    def element(self, node: Any) -> str:
        if isinstance(node, AnswerIn):
            facts = [f"(answer {node.answer} {value})" for value in node.values]
            return facts[0] if len(facts) == 1 else f"(or {' '.join(facts)})"
        if isinstance(node, InRange):
            self.variables += 1
            var = f"?v{self.variables}"
            tests = "".join(f"&:({op} {var} {bound})" for op, bound in ((">=", node.low), ("<=", node.high))
                            if bound is not None)
            return f"({node.answer} {var}{tests})"
        if isinstance(node, All):
            return f"(and {' '.join(self.element(part) for part in node.items)})"
        if isinstance(node, Any_):
            return f"(or {' '.join(self.element(part) for part in node.items)})"
        if isinstance(node, Not):
            return f"(not {self.element(node.part)})"
        if isinstance(node, BestCondition):
            raise ValueError("a rule on the best condition has no CLIPS twin here")
        raise TypeError(type(node).__name__)

    def rule(self, name: str, parts: list[Any], fact: str) -> str:
        self.variables = 0
        body = " ".join(self.element(part) for part in parts if part is not None)
        return f"(defrule {name} {body} => (assert {fact}))"


def clips_environment(knowledge: Any) -> Any:
    import clips

    env = clips.Environment()
    env.build("(deftemplate evidence (slot condition) (slot item))")
    env.build("(deftemplate fired (slot rule))")
    translator = Translator()
    count = 0
    for condition in knowledge.conditions:
        for index, evidence in enumerate(condition.evidence):
            env.build(translator.rule(f"ev-{condition.id}-{index}", [condition.requires, evidence.expression],
                                      f"(evidence (condition {condition.id}) (item {index}))"))
            count += 1
    for rule in knowledge.rules:
        env.build(translator.rule(f"rule-{rule.id}", [rule.when], f"(fired (rule {rule.id}))"))
        count += 1
    return env, count


def facts_of(answers: Any) -> list[str]:
    facts = [f"(answer location {answers.location})"]
    if answers.cause:
        facts.append(f"(answer cause {answers.cause})")
    facts += [f"(answer symptoms {value})" for value in answers.symptoms or ()]
    facts += [f"(answer history {value})" for value in answers.history or ()]
    facts += [f"(answer unsure {value})" for value in answers.unsure]
    if answers.cause == "major-accident":
        facts.append("(answer cause accident)")  # as the knowledge's `implies` says
    if answers.age is not None:
        facts.append(f"(age {answers.age})")
    if answers.duration_days is not None:
        facts.append(f"(duration {answers.duration_days})")
    return facts


def check_agreement(env: Any, knowledge: Any, rows: list[dict[str, Any]], people: list[Any]) -> int:
    """CLIPS and backmassage fire the same safety rules on these rows (else the race is unfair)."""
    from backmassage.expressions import person

    for row, facts in zip(rows, people):
        env.reset()
        for fact in facts:
            env.assert_string(fact)
        env.run()
        theirs = {str(fact["rule"]) for fact in env.facts() if fact.template.name == "fired"}
        p = person(api.parse_answers(knowledge, **{k: v for k, v in row.items() if k != "id"}), knowledge.implied)
        ours = {rule.id for rule in knowledge.rules if rule.when.holds(p)}
        if theirs != ours:
            raise SystemExit(f"CLIPS and backmassage disagree on {row}: {sorted(theirs ^ ours)}")
    return len(rows)


def run_clips(env: Any, people: list[Any]) -> float:
    start = time.process_time()
    for facts in people:
        env.reset()
        for fact in facts:
            env.assert_string(fact)
        env.run()
    return time.process_time() - start


def run_backmassage(knowledge: Any, rows: list[dict[str, Any]]) -> float:
    start = time.process_time()
    for result in api.recommend_many(rows, knowledge):
        if not isinstance(result, Exception):
            result.to_dict()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--conditions", type=int, default=0, help="generated conditions added to the bundled ones")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rows.jsonl"
        write_rows(path, args.rows)
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        if args.conditions:
            generate_knowledge(Path(folder) / "kb", args.conditions)
            knowledge = api.load_knowledge(Path(folder) / "kb")
        else:
            knowledge = api.load_knowledge()
    valid = [row for row in rows if not isinstance(api.recommend_row(row, knowledge), Exception)]
    people = [facts_of(api.parse_answers(knowledge, **{k: v for k, v in row.items() if k != "id"}))
              for row in valid]
    env, clips_rules = clips_environment(knowledge)
    agreed = check_agreement(env, knowledge, valid[:500], people[:500])
    ours, theirs = [], []
    for _ in range(args.rounds):  # alternating, so machine noise hits both alike
        ours.append(run_backmassage(knowledge, valid))
        theirs.append(run_clips(env, people))
    ours_rate, clips_rate = len(valid) / min(ours), len(valid) / min(theirs)
    print(f"{len(knowledge.conditions)} conditions, {len(knowledge.rules)} safety rules ({clips_rules} CLIPS rules); "
          f"{len(valid):,} valid rows; best of {args.rounds} rounds, CPU time; both fire the same safety "
          f"rules on the first {agreed} rows")
    print(f"  backmassage, the whole job        {ours_rate:10,.0f} rows/s")
    print(f"  CLIPS, matching only              {clips_rate:10,.0f} rows/s")
    verdict = "met" if ours_rate >= 5 * clips_rate else "NOT met"
    print(f"  ratio backmassage / CLIPS         {ours_rate / clips_rate:10.2f}   goal >= 5 at 9 conditions: {verdict}")
    print(f"repeat: python bench/bench_clips.py --rows {args.rows}"
          + (f" --conditions {args.conditions}" if args.conditions else ""))
    env.clear()


if __name__ == "__main__":
    main()
