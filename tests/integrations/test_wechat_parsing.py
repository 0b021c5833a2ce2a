import datetime as dt

import pytest

from integrations.base import Channel
from integrations.wechat.parsing import PayloadError, parse_inbound
from tests.integrations.conftest import fixture_text

OPENID = "oTx1s5_Ji4ehSw6MWXqZpsg3GxYs"


def test_text_message():
    message = parse_inbound(fixture_text("wechat/text.xml"))
    assert message.channel == Channel.WECHAT
    assert message.external_user_id == OPENID
    assert message.external_message_id == "23877345219023480"
    assert message.text == "我的包裹 SF1234567890 到哪了？"
    assert message.timestamp == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.timezone.utc)
    assert message.event == ""
    assert message.raw["ToUserName"] == "gh_0123456789ab"


def test_image_message_carries_its_media_id():
    message = parse_inbound(fixture_text("wechat/image.xml").encode("utf-8"))
    [media] = message.media
    assert media["media_id"] == "Nq3AR2vaTLmlrkXq4MOpZQfHe7Whx3Qm7cnaQnO3zFz1wYh4gJ3mBDjCHy0A8ZL1"
    assert media["url"] == "http://mmbiz.qpic.cn/mmbiz_jpg/abc123/0"
    assert media["content_type"].startswith("image/")
    assert message.external_message_id == "23877345219023481"


def test_voice_message_carries_media_id_and_recognized_text():
    message = parse_inbound(fixture_text("wechat/voice.xml"))
    [media] = message.media
    assert media["media_id"].startswith("Pt7Jcd")
    assert media["content_type"] == "audio/amr"
    assert message.text == "转人工"


@pytest.mark.parametrize("name,event", [("wechat/subscribe.xml", "subscribe"), ("wechat/unsubscribe.xml", "unsubscribe")])
def test_follow_events(name, event):
    message = parse_inbound(fixture_text(name))
    assert message.event == event
    assert message.text == ""
    created = message.raw["CreateTime"]
    assert message.external_message_id == f"{OPENID}:{created}:{event}"


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not xml at all",
        "<xml><ToUserName>unclosed</xml>",
        "<notxml><MsgType>text</MsgType></notxml>",
        b"\xff\xfe<xml/>",
        fixture_text("wechat/text.xml").replace("<MsgId>23877345219023480</MsgId>", ""),
        fixture_text("wechat/text.xml").replace("1700000000", "yesterday"),
        fixture_text("wechat/text.xml").replace("<FromUserName><![CDATA[oTx1s5_Ji4ehSw6MWXqZpsg3GxYs]]></FromUserName>", ""),
        fixture_text("wechat/subscribe.xml").replace("<Event><![CDATA[subscribe]]></Event>", ""),
    ],
)
def test_bad_payloads_raise_payload_error(body):
    with pytest.raises(PayloadError):
        parse_inbound(body)


def test_entities_are_not_expanded():
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1700000000</CreateTime>"
            "<MsgType>text</MsgType><Content>&b;</Content><MsgId>1</MsgId></xml>")
    with pytest.raises(PayloadError):
        parse_inbound(bomb)
