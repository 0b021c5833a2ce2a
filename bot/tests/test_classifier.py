"""LinearIntentClassifier trained and loaded as `rasa train` and `rasa run` do: after ParcelTokenizer and the two
CountVectorsFeaturizers of config.yml, persisted to model storage and read back."""
from pathlib import Path

import pytest
import skops.io as sio
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.classifier import LinearIntentClassifier
from components.tokenizer import ParcelTokenizer

EXAMPLES = {
    "track_shipment": ["where is my parcel", "track SF1234567890123", "when will my package arrive",
                       "我的快递到哪了", "查一下快递 SF1234567890123", "我嘅包裹喺邊度", "где моя посылка",
                       "отследить посылку 12345678901234", "has my parcel shipped yet", "快递什么时候到"],
    "file_complaint": ["the courier was rude, I want to complain", "my parcel arrived broken", "terrible service",
                       "我要投诉快递员", "东西摔坏了 投诉", "速遞員態度好差 我要投訴", "хочу пожаловаться на курьера",
                       "посылка пришла разбитой", "complaint about a fake delivery attempt", "快递员态度太差"],
    "greet": ["hello", "hi there", "good morning", "你好", "您好", "哈囉", "привет", "здравствуйте", "hey", "早上好"],
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    storage = LocalModelStorage(Path(tmp_path_factory.mktemp("model")))
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = ParcelTokenizer.create({**ParcelTokenizer.get_default_config()}, storage, Resource("tok"), context)
    featurizers = [
        CountVectorsFeaturizer.create({**CountVectorsFeaturizer.get_default_config()}, storage, Resource("words"),
                                      context),
        CountVectorsFeaturizer.create({**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb",
                                       "min_ngram": 1, "max_ngram": 4}, storage, Resource("chars"), context),
    ]
    data = TrainingData([Message(data={TEXT: text, "intent": intent})
                         for intent, texts in EXAMPLES.items() for text in texts])
    tokenizer.process_training_data(data)
    for featurizer in featurizers:
        featurizer.train(data)
        featurizer.process_training_data(data)
    resource = Resource("classifier")
    classifier = LinearIntentClassifier.create({}, storage, resource, context)
    classifier.train(data)

    def parse(component, text):
        message = Message(data={TEXT: text})
        tokenizer.process([message])
        for featurizer in featurizers:
            featurizer.process([message])
        component.process([message])
        return message

    return {"storage": storage, "resource": resource, "context": context, "parse": parse}


def load(trained):
    return LinearIntentClassifier.load({}, trained["storage"], trained["resource"], trained["context"])


@pytest.mark.parametrize("text, intent", [
    ("where is my parcel SF9876543210987?", "track_shipment"),
    ("我的包裹到哪了", "track_shipment"),
    ("где посылка 12345678901234", "track_shipment"),
    ("the courier was so rude!!", "file_complaint"),
    ("我要投訴", "file_complaint"),
    ("пожаловаться на курьера", "file_complaint"),
    ("hello!", "greet"),
    ("привет", "greet"),
])
def test_the_loaded_model_classifies_unseen_messages_in_every_language(trained, text, intent):
    message = trained["parse"](load(trained), text)
    assert message.get("intent")["name"] == intent
    ranking = message.get("intent_ranking")
    assert [r["name"] for r in ranking][0] == intent
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)  # probabilities, for the fallback threshold
    assert ranking == sorted(ranking, key=lambda r: -r["confidence"])


def test_a_model_file_asking_for_other_types_is_refused(trained, tmp_path):
    """skops loads only the types it trusts; a tampered classifier file must not run anything on load."""
    with trained["storage"].read_from(trained["resource"]) as directory:
        original = sio.load(directory / "classifier.skops", trusted=["scipy.sparse._csr.csr_matrix"])
    storage = LocalModelStorage(tmp_path)
    resource = Resource("tampered")
    with storage.write_to(resource) as directory:
        sio.dump({"pipeline": original, "surprise": Path("/etc/passwd")}, directory / "classifier.skops")
    with pytest.raises(RuntimeError, match="unexpected types"):
        LinearIntentClassifier.load({}, storage, resource, trained["context"])


def test_a_model_trained_without_intents_classifies_nothing(trained, tmp_path):
    storage = LocalModelStorage(tmp_path)
    classifier = LinearIntentClassifier.load({}, storage, Resource("empty"), trained["context"])
    message = trained["parse"](classifier, "hello")
    assert message.get("intent") == {"name": None, "confidence": 0.0}


@pytest.mark.parametrize("text", ["?", "...", "مرحبا", "สวัสดี", "안녕하세요", " ", ""])
def test_a_message_with_nothing_the_model_knows_gets_no_intent(trained, text):
    """Another script, only punctuation or nothing at all: no guess (the intercepts alone would say "affirm"), so the
    fallback asks the customer to rephrase instead of "?" confirming a change."""
    message = trained["parse"](load(trained), text)
    assert message.get("intent") == {"name": None, "confidence": 0.0}
    assert message.get("intent_ranking") == []
