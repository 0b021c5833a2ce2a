"""The held-out sets stay held out: no test message is also a training example.

Messages are compared as a customer would see them: case, spaces, punctuation and emoji ignored ("Hello!" and
"hello" are the same message). A held-out score measured on messages the model trained on would say nothing about
customers it has not seen.
"""
import re
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

BOT_DIR = Path(__file__).resolve().parents[1]
HELD_OUT = (sorted((BOT_DIR / "tests" / "nlu").glob("*.yml")) + sorted((BOT_DIR / "tests" / "nlu" / "unseen").glob("*.yml"))
            + sorted((BOT_DIR / "tests" / "nlu" / "fresh").glob("*.yml")))


def normalized(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def examples(path: Path) -> list[str]:
    return [example.get("text") for example in RasaYAMLReader().read(path).intent_examples]


@pytest.fixture(scope="module")
def training() -> dict[str, str]:
    seen = {}
    for path in sorted((BOT_DIR / "data" / "nlu").glob("*/*.yml")):
        for text in examples(path):
            if normalized(text):
                seen[normalized(text)] = f"{path.relative_to(BOT_DIR)}: {text!r}"
    return seen


def test_there_are_three_held_out_sets_in_four_languages():
    assert {p.relative_to(BOT_DIR / "tests" / "nlu").as_posix() for p in HELD_OUT} == {
        f"{prefix}{language}.yml" for prefix in ("", "unseen/", "fresh/") for language in ("en", "zh-hans", "zh-hant", "ru")}


@pytest.mark.parametrize("path", HELD_OUT, ids=lambda p: p.relative_to(BOT_DIR / "tests" / "nlu").as_posix())
def test_no_held_out_message_is_a_training_example(training, path):
    leaked = [f"{text!r} is trained as {training[normalized(text)]}" for text in examples(path)
              if normalized(text) in training]
    assert not leaked, "\n".join(leaked)
