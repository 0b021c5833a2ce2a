"""The tokenizer, the tracking-number extractor and language detection on what customers really type."""
import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.extractors import TrackingNumberExtractor
from components.language import detect_language
from components.tokenizer import ParcelTokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return ParcelTokenizer.create({**ParcelTokenizer.get_default_config()}, None, None, None)


def tokens(tokenizer, text):
    return tokenizer.tokenize(Message(data={TEXT: text}), TEXT)


def extract(text):
    return [(e["value"], text[e["start"]:e["end"]]) for e in TrackingNumberExtractor().extract(text)]


@pytest.mark.parametrize("text, expected", [
    ("我的快递SF1234567890123到哪了", "SF1234567890123"),
    ("где посылка 80085412345678?", "80085412345678"),
    ("where is RR123456789CN.", "RR123456789CN"),
    ("請問JD0012345678901幾時到", "JD0012345678901"),
    ("yt1234567890123!!", "YT1234567890123"),
    ("ZTO123456789012 到哪了", "ZTO123456789012"),
    ("1234567890", "1234567890"),
])
def test_tracking_numbers_are_extracted_exactly(text, expected):
    found = extract(text)
    assert len(found) == 1
    value, as_typed = found[0]
    assert value == expected and as_typed.upper() == expected


@pytest.mark.parametrize("text", ["call me at 12345", "order A1234567", "SF12345", "my code is 123456"])
def test_short_numbers_are_not_tracking_numbers(text):
    assert extract(text) == []


def test_two_numbers_in_one_message():
    assert [v for v, _ in extract("SF1234567890123 and YT9876543210987")] == ["SF1234567890123", "YT9876543210987"]


def test_tracking_number_stays_one_token_even_glued_to_han(tokenizer):
    result = tokens(tokenizer, "我的快递SF1234567890123到哪了")
    texts = [t.text for t in result]
    assert "SF1234567890123" in texts
    assert "快递" in texts
    # Offsets point at the original text.
    text = "我的快递SF1234567890123到哪了"
    assert all(text[t.start:t.end] == t.text for t in result)


def test_traditional_chinese_shares_features_with_simplified(tokenizer):
    traditional = tokens(tokenizer, "我的包裹幾時派送")
    simplified = tokens(tokenizer, "我的包裹几时派送")
    assert [t.lemma for t in traditional] == [t.lemma for t in simplified]
    assert "".join(t.text for t in traditional) == "我的包裹幾時派送"  # original characters kept


def test_russian_and_english_split_into_words(tokenizer):
    assert [t.text for t in tokens(tokenizer, "Где моя посылка, курьер?")] == ["где", "моя", "посылка", "курьер"]
    assert [t.text for t in tokens(tokenizer, "where's my parcel pls")] == ["where's", "my", "parcel", "pls"]


def test_emoji_only_message_still_has_a_token(tokenizer):
    assert len(tokens(tokenizer, "👍")) == 1


@pytest.mark.parametrize("text, language", [
    ("where is my parcel", "en"),
    ("我的快递到哪了", "zh-hans"),
    ("我的包裹幾時到", "zh-hant"),
    ("где моя посылка", "ru"),
    ("我的快递 SF1234567890123 到哪了", "zh-hans"),
    ("посылка RR123456789CN где", "ru"),
    ("我喺屋企等咗成日", "zh-hant"),  # written Cantonese, same characters in both scripts
    ("明白晒，唔該", "zh-hant"),
])
def test_language_follows_the_script(text, language):
    assert detect_language(text)[0] == language


def test_no_letters_means_no_language():
    assert detect_language("123456") is None
    assert detect_language("SF1234567890123") is None


def test_han_text_without_traditional_forms_is_ambiguous():
    language, ambiguous = detect_language("好的")
    assert language == "zh-hans" and ambiguous


def test_every_tracking_number_is_one_feature_word(tokenizer):
    """Numbers are featurized as one placeholder word, so their digits do not read as "tracking"; text stays."""
    glued = tokens(tokenizer, "我想改SF1234567890123的地址")
    number = [t for t in glued if t.text == "SF1234567890123"]
    assert len(number) == 1 and number[0].lemma == "__tn__"
    other = tokens(tokenizer, "перенесите rr123456789cn на 12 число")
    assert [t.lemma for t in other][:2] == ["перенесите", "__tn__"]
    assert other[1].text == "rr123456789cn"
    assert "__tn__" not in [t.lemma for t in tokens(tokenizer, "deliver after 7pm to flat 12, code 4821")]


@pytest.mark.parametrize("cantonese, mandarin", [
    ("我個包裹幾時到", "我个包裹何时到"),        # 幾時 = 何时 / 什么时候
    ("你哋今日會唔會送", "你们今天会不会送"),
    ("件貨喺邊度", "件货在哪里"),
    ("我冇收到", "我没收到"),
    ("點解仲未到", "为何仲未到"),
])
def test_written_cantonese_is_featurized_as_mandarin(tokenizer, cantonese, mandarin):
    """A Hong Kong customer's words share features with the Mandarin examples; the customer's text is kept."""
    hk = tokens(tokenizer, cantonese)
    assert "".join(t.lemma for t in hk) == "".join(t.lemma for t in tokens(tokenizer, mandarin))
    assert "".join(t.text for t in hk) == cantonese
    assert all(cantonese[t.start:t.end] == t.text for t in hk)


def test_mandarin_words_that_look_cantonese_are_kept(tokenizer):
    # OpenCC turns 係 into 系; only the Cantonese 係 means 是, the 系 of 联系 (contact) must stay.
    lemmas = [t.lemma for t in tokens(tokenizer, "我要联系客服")]
    assert "联系" in lemmas
    assert [t.lemma for t in tokens(tokenizer, "係唔係今日送")] == [t.lemma for t in tokens(tokenizer, "是不是今天送")]


def test_cantonese_normalization_can_be_switched_off():
    plain = ParcelTokenizer.create({**ParcelTokenizer.get_default_config(), "cantonese_to_mandarin": False},
                                   None, None, None)
    assert "".join(t.lemma for t in tokens(plain, "我冇收到")) == "我冇收到"


def test_every_cantonese_replacement_keeps_the_length():
    """The tokenizer's offsets into the customer's text rely on it (checked here too: `python -O` drops asserts)."""
    from components.cantonese import _PHRASES

    assert [(a, b) for a, b in _PHRASES if len(a) != len(b)] == []
