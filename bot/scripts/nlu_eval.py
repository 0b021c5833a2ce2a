"""Score a trained model on the held-out test set (bot/tests/nlu/<language>.yml), per language.

Prints, for each language: examples, intent accuracy, macro F1 and exact
tracking-number extraction; writes the numbers as JSON. Exits 1 when a
language's accuracy, macro F1 or the extraction falls below the thresholds.

Usage: python scripts/nlu_eval.py MODEL.tar.gz [--tests DIR] [--min-accuracy 0.95] [--min-f1 0.9] [--json out.json]
       [--label NAME]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections import Counter
from pathlib import Path

from sklearn.metrics import f1_score

BOT_DIR = Path(__file__).resolve().parents[1]
LANGUAGES = ["en", "zh-hans", "zh-hant", "ru"]


async def evaluate(model: str, test_dir: Path) -> dict:
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    agent = Agent.load(model)
    report = {}
    for language in LANGUAGES:
        if not (test_dir / f"{language}.yml").exists():
            report[language] = None  # no held-out set: counted as a failure
            continue
        data = RasaYAMLReader().read(test_dir / f"{language}.yml")
        gold, predicted, confusions = [], [], Counter()
        entities_expected = entities_exact = entities_spurious = 0
        parse_seconds = 0.0
        for example in data.intent_examples:
            text = example.get("text")
            started = time.perf_counter()
            result = await agent.parse_message(text)
            parse_seconds += time.perf_counter() - started
            intent = (result.get("intent") or {}).get("name")
            gold.append(example.get("intent"))
            predicted.append(intent)
            if intent != example.get("intent"):
                confusions[(example.get("intent"), intent)] += 1
            want = {(e["start"], e["end"]) for e in example.get("entities") or [] if e["entity"] == "tracking_number"}
            got = {(e["start"], e["end"]) for e in result.get("entities", []) if e["entity"] == "tracking_number"}
            entities_expected += len(want)
            entities_exact += len(want & got)
            entities_spurious += len(got - want)
        accuracy = sum(g == p for g, p in zip(gold, predicted)) / len(gold)
        report[language] = {
            "examples": len(gold),
            "ms_per_message": round(1000 * parse_seconds / len(gold), 2),
            "accuracy": round(accuracy, 4),
            # Macro over the intents in the test set; a fallback prediction counts as a miss.
            "macro_f1": round(f1_score(gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0), 4),
            "per_intent_f1": {
                intent: round(score, 4)
                for intent, score in zip(sorted(set(gold)), f1_score(gold, predicted, labels=sorted(set(gold)),
                                                                     average=None, zero_division=0))
            },
            "tracking_numbers": {"expected": entities_expected, "exact": entities_exact,
                                 "spurious": entities_spurious},
            "top_confusions": [f"{g} -> {p} x{n}" for (g, p), n in confusions.most_common(5)],
        }
    return report


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--tests", default=str(BOT_DIR / "tests" / "nlu"))
    parser.add_argument("--min-f1", type=float, default=0.0)
    parser.add_argument("--min-accuracy", type=float, default=0.0, help="intent accuracy every language must reach")
    parser.add_argument("--json")
    parser.add_argument("--label", default="ParcelTokenizer")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    report = asyncio.run(evaluate(args.model, Path(args.tests)))
    failed = False
    print(f"NLU held-out evaluation ({args.label}):")
    print(f"  {'language':9} {'examples':>8} {'accuracy':>9} {'macro F1':>9} {'tracking numbers exact':>24}")
    for language, row in report.items():
        if row is None:
            print(f"  {language:9} no held-out set (tests/nlu/{language}.yml missing)")
            failed = True
            continue
        tn = row["tracking_numbers"]
        print(f"  {language:9} {row['examples']:>8} {row['accuracy']:>9.3f} {row['macro_f1']:>9.3f} "
              f"{tn['exact']:>12}/{tn['expected']:<4} spurious {tn['spurious']}")
        if row["top_confusions"]:
            print(f"            confusions: {', '.join(row['top_confusions'])}")
        if row["macro_f1"] < args.min_f1 or row["accuracy"] < args.min_accuracy or tn["exact"] != tn["expected"] or tn["spurious"]:
            failed = True
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"label": args.label, "languages": report}, indent=2, ensure_ascii=False))
    if failed:
        print(f"NLU evaluation FAILED (needs intent accuracy >= {args.min_accuracy} and macro F1 >= {args.min_f1} "
              "per language, and every tracking number exact)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
