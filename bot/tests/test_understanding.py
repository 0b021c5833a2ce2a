"""Short answers customers give inside a flow, in four languages."""
import pytest

from actions.understanding import (
    change_choice_parse,
    complaint_category_guess,
    complaint_category_parse,
    date_format,
    is_cancel,
    is_skip,
    nps_score_parse,
    option_number,
)


@pytest.mark.parametrize("text, index", [("2", 1), ("２", 1), ("#2", 1), ("第二个", 1), ("второй", 1),
                                         ("the second one", 1), ("1.", 0), ("3", 2), ("0", None), ("hello", None)])
def test_option_numbers(text, index):
    assert option_number(text, 3) == index


def test_option_out_of_range():
    assert option_number("3", 2) is None


@pytest.mark.parametrize("text, score", [("9", 9), ("10!", 10), ("十", 10), ("八分", 8), ("десять", 10),
                                         ("I'd say 7", 7), ("11", None), ("great", None), ("5 or 6", None)])
def test_nps_scores(text, score):
    assert nps_score_parse(text) == score


@pytest.mark.parametrize("text, category", [
    ("my parcel arrived smashed", "damaged"),
    ("快递员态度太差了", "courier_conduct"),
    ("包裹遺失了", "lost"),
    ("курьер написал что меня не было, а я была дома", "fake_attempt"),
    ("опоздали на три дня", "late"),
    ("just unhappy", None),
])
def test_complaint_category_from_words(text, category):
    assert complaint_category_guess(text) == category


def test_complaint_category_answers():
    assert complaint_category_parse("2") == "damaged"
    assert complaint_category_parse("5") == "fake_attempt"
    assert complaint_category_parse("其他") == "other"
    assert complaint_category_parse("blah") is None


@pytest.mark.parametrize("text, choice", [("1", "address"), ("2", "pickup_point"), ("to a locker please", "pickup_point"),
                                          ("送到丰巢柜", "pickup_point"), ("постамат", "pickup_point"),
                                          ("new address", "address"), ("maybe", None)])
def test_change_choice(text, choice):
    assert change_choice_parse(text) == choice


def test_skip_words():
    assert is_skip("skip") and is_skip("跳过") and is_skip("Нет.") and not is_skip("the courier was late")


def test_dates_in_each_language():
    assert date_format("2026-11-24", "en") == "Tue 24 Nov"
    assert date_format("2026-11-24", "zh-hans") == "11月24日（周二）"
    assert date_format("2026-11-24", "zh-hant") == "11月24日（週二）"
    assert date_format("2026-11-24", "ru") == "24 ноября (вт)"


@pytest.mark.parametrize("text", [
    "cancel", "Cancel please", "stop", "no", "nope, forget it", "never mind", "I changed my mind",
    "don't need it anymore", "отмена", "Отмена!", "нет", "нет, не надо, передумал", "не хочу", "стоп",
    "не нужно уже, спасибо", "取消", "算了", "算了，不投诉了", "不用了谢谢", "不要了", "唔使喇", "算數啦", "取消吧",
])
def test_explicit_cancel(text):
    assert is_cancel(text)


@pytest.mark.parametrize("text", [
    # Free-text answers with negations: a complaint's story or a corrected address, never a cancel.
    "курьер не позвонил и не приехал", "не приехал", "Заказ две недели назад, до сих пор не привезли, на звонки "
    "никто не отвечает", "не на Ленина, а на Садовую 5", "not delivered", "he did not ring the bell",
    "no one came", "no, deliver to 5 Baker Street", "I want it now", "没人来", "没有送到", "快递员没打电话",
    "不送上门", "不在家", "唔該", "冇人嚟過", "cancel 123", "2", "",
])
def test_not_a_cancel(text):
    assert not is_cancel(text)
