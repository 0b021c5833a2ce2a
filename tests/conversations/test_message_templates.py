"""Approved templates outside the reply window: WeChat (48 h) template messages and WhatsApp (24 h) Content templates,
kept per language by admins, filled from the conversation's shipment, refused clearly when wrong, and sent through
the real clients to the stand-ins; WeChat's send report moves the message's status without reopening the window."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from helpdesk.conversations.models import Conversation, Message, MessageTemplate
from integrations.standins.wechat import WeChatStandin
from tests.factories import ConversationFactory, MessageTemplateFactory, ShipmentFactory

pytestmark = pytest.mark.django_db
OPENID = "oABCD1234efgh5678ijkl9012mnop"


@pytest.fixture
def wechat(settings):
    with WeChatStandin() as standin:
        settings.WECHAT = {"token": standin.token, "app_id": standin.app_id, "app_secret": standin.app_secret,
                           "aes_key": standin.aes_key, "api_base": standin.url}
        yield standin


@pytest.fixture
def templates(wechat):
    """The account's approved template in English and Simplified Chinese (known to the stand-in too)."""
    made = {
        "en": MessageTemplateFactory(language="en", provider_template_id="EnTmpl-Bz1KVdF3Xq9mWcR7aa"),
        "zh-hans": MessageTemplateFactory(language="zh-hans", label="物流状态更新",
                                          provider_template_id="ZhTmpl-Bz1KVdF3Xq9mWcR7",
                                          body="快递单号：{{keyword1.DATA}}\n物流状态：{{keyword2.DATA}}"),
    }
    for template in made.values():
        wechat.add_template(template.provider_template_id, list(template.variables))
    return made


def stale_wechat(team, *, language="en", openid=OPENID, hours=49):
    shipment = ShipmentFactory(tracking_number="PD123456789CN", status="delivery_failed")
    conversation = ConversationFactory(channel="wechat", external_user_id=openid, state="agent", team=team,
                                       language=language, last_inbound_at=timezone.now() - dt.timedelta(hours=hours))
    conversation.shipments.add(shipment)
    return conversation


def test_free_text_is_refused_then_the_template_reaches_wechat(agent_client, team, templates, wechat,
                                                                django_capture_on_commit_callbacks):
    conversation = stale_wechat(team, language="zh-hans")
    window = agent_client.get(f"/api/v1/conversations/{conversation.pk}/").json()["reply_window"]
    assert window["open"] is False and window["template_required"] is True and "template message" in window["detail"]

    refused = agent_client.post(f"/api/v1/conversations/{conversation.pk}/messages/", {"text": "您好"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "reply_window_closed"
    assert "48 hours" in refused.json()["detail"] and "template" in refused.json()["detail"]

    [option] = agent_client.get(f"/api/v1/conversations/{conversation.pk}/templates/").json()
    assert option["key"] == "delivery_update" and option["language"] == "zh-hans" and option["ready"] is True
    assert option["preview"] == "快递单号：PD123456789CN\n物流状态：派送未成功"

    with django_capture_on_commit_callbacks(execute=True):
        sent = agent_client.post(f"/api/v1/conversations/{conversation.pk}/messages/", {"template": "delivery_update"},
                                 format="json")
    assert sent.status_code == 201, sent.content
    assert sent.json()["text"] == option["preview"] and sent.json()["template_id"] == "ZhTmpl-Bz1KVdF3Xq9mWcR7"
    [delivered] = wechat.sent_templates
    assert (delivered.touser, delivered.template_id) == (OPENID, "ZhTmpl-Bz1KVdF3Xq9mWcR7")
    assert delivered.data == {"keyword1": {"value": "PD123456789CN"}, "keyword2": {"value": "派送未成功"}}
    message = Message.objects.get(pk=sent.json()["id"])
    assert message.delivery_status == "sent" and message.external_id == str(delivered.msgid)
    assert wechat.sent_messages == []  # no free text slipped out


def test_a_language_without_its_own_template_gets_the_english_one(agent_client, team, templates):
    conversation = stale_wechat(team, language="ru")
    [option] = agent_client.get(f"/api/v1/conversations/{conversation.pk}/templates/").json()
    assert option["language"] == "en" and option["preview"].startswith("Tracking number: PD123456789CN\nStatus: ")


def test_an_inactive_template_is_neither_offered_nor_sent(agent_client, team, templates):
    MessageTemplate.objects.update(active=False)
    conversation = stale_wechat(team)
    assert agent_client.get(f"/api/v1/conversations/{conversation.pk}/templates/").json() == []
    refused = agent_client.post(f"/api/v1/conversations/{conversation.pk}/messages/", {"template": "delivery_update"},
                                format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "template_unknown"


def test_clear_refusals(agent_client, team, templates):
    conversation = stale_wechat(team)
    post = lambda cid, body: agent_client.post(f"/api/v1/conversations/{cid}/messages/", body, format="json")  # noqa
    unknown = post(conversation.pk, {"template": "no_such_template"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "template_unknown"
    not_linked = post(conversation.pk, {"template": "delivery_update", "tracking_number": "PD999999999CN"})
    assert not_linked.status_code == 400 and not_linked.json()["code"] == "template_needs_shipment"
    bare = ConversationFactory(channel="wechat", external_user_id="oOTHER", state="agent", team=team)
    needs = post(bare.pk, {"template": "delivery_update"})
    assert needs.status_code == 400 and needs.json()["code"] == "template_needs_shipment"
    assert agent_client.get(f"/api/v1/conversations/{bare.pk}/templates/").json()[0]["ready"] is False
    sms = ConversationFactory(channel="sms", external_user_id="+447700900123", state="agent", team=team)
    assert post(sms.pk, {"template": "delivery_update"}).json()["code"] == "template_not_applicable"
    whatsapp = ConversationFactory(channel="whatsapp", external_user_id="+447700900124", state="agent", team=team)
    assert post(whatsapp.pk, {"template": "delivery_update"}).json()["code"] == "template_unknown"  # WeChat's only
    assert not Message.objects.exists()


def test_whatsapp_template_goes_as_content_sid_with_its_variables(agent_client, team, settings,
                                                                  django_capture_on_commit_callbacks):
    from integrations.standins.twilio import TwilioStandin

    MessageTemplateFactory(channel="whatsapp", key="follow_up", provider_template_id="HX" + "b" * 32,
                           body="Hello, about your parcel {{1}}: reply to continue.",
                           variables={"1": "tracking_number"})
    conversation = ConversationFactory(channel="whatsapp", external_user_id="+447700900777", state="agent", team=team,
                                       last_inbound_at=timezone.now() - dt.timedelta(hours=25))
    conversation.shipments.add(ShipmentFactory(tracking_number="PD555555555CN"))
    with TwilioStandin() as twilio:
        settings.TWILIO = {"account_sid": twilio.account_sid, "auth_token": twilio.auth_token, "api_base": twilio.url,
                           "from_sms": "+15017122661", "from_whatsapp": "+14155238886", "status_callback": ""}
        with django_capture_on_commit_callbacks(execute=True):
            sent = agent_client.post(f"/api/v1/conversations/{conversation.pk}/messages/", {"template": "follow_up"},
                                     format="json")
        assert sent.status_code == 201
        assert sent.json()["text"] == "Hello, about your parcel PD555555555CN: reply to continue."
        [delivered] = twilio.sent_messages
    assert delivered.params["ContentSid"] == "HX" + "b" * 32
    assert delivered.params["ContentVariables"] == '{"1": "PD555555555CN"}' and "Body" not in delivered.params


@pytest.mark.parametrize("changes, field", [
    ({"provider_template_id": "HX123"}, "provider_template_id"),
    ({"body": "Parcel {{keyword1.DATA}}, {{keyword9.DATA}}"}, "body"),
    ({"variables": {"keyword1": "tracking_number", "keyword2": "recipient_address"}}, "variables"),
    ({"body": "No placeholders at all", "variables": {}}, "body"),
])
def test_admins_cannot_save_a_template_that_cannot_be_filled(changes, field):
    template = MessageTemplate(channel="wechat", key="x", language="en", label="x",
                               provider_template_id="ZhTmpl-Bz1KVdF3Xq9mWcR7",
                               body="Parcel {{keyword1.DATA}} is {{keyword2.DATA}}",
                               variables={"keyword1": "tracking_number", "keyword2": "shipment_status"})
    template.full_clean()
    for name, value in changes.items():
        setattr(template, name, value)
    with pytest.raises(ValidationError) as invalid:
        template.full_clean()
    assert field in invalid.value.message_dict


def test_admin_lists_and_edits_templates(client, templates):
    from tests.factories import UserFactory

    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin.save()  # the factory leaves the password it set unsaved
    client.force_login(admin)
    listing = client.get("/admin/conversations/messagetemplate/")
    assert listing.status_code == 200 and "ZhTmpl-Bz1KVdF3Xq9mWcR7" in listing.content.decode()
    template = templates["en"]
    page = client.post(f"/admin/conversations/messagetemplate/{template.pk}/change/", {
        "channel": "wechat", "key": "delivery_update", "language": "en", "label": "Status", "active": "on",
        "provider_template_id": "bad id!", "body": template.body, "variables": '{"keyword1": "tracking_number"}'})
    assert page.status_code == 200 and "Not a valid template id" in page.content.decode()  # shown, not saved


def test_inbox_page_shows_the_picker_with_the_filled_text(client, agent, team, templates):
    conversation = stale_wechat(team, language="zh-hans")
    client.force_login(agent)
    page = client.get(f"/inbox/c/{conversation.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="template-picker"' in page and "WeChat template messages" in page
    assert 'data-preview="快递单号：PD123456789CN\n物流状态：派送未成功"' in page
    assert 'data-window-closed="true"' in page  # free text is off; notes are not


@pytest.mark.django_db(transaction=True)
def test_wechat_send_report_moves_the_status_and_keeps_the_window_shut(live_server, team, templates, wechat):
    conversation = stale_wechat(team)
    before = Conversation.objects.get(pk=conversation.pk).last_inbound_at
    message = Message.objects.create(conversation=conversation, direction="out", sender_kind="agent",
                                     channel="wechat", text="Tracking number: PD123456789CN", delivery_status="sent",
                                     external_id="200163900")
    url = live_server.url + "/webhooks/wechat/"
    assert wechat.template_job_finished(url, openid=OPENID, msgid=200163900).text == "success"
    message.refresh_from_db()
    assert message.delivery_status == "delivered"
    failed = Message.objects.create(conversation=conversation, direction="out", sender_kind="agent", channel="wechat",
                                    text="x", delivery_status="sent", external_id="200163901")
    wechat.template_job_finished(url, openid=OPENID, msgid=200163901, status="failed:user block", safe_mode=True)
    failed.refresh_from_db()
    assert (failed.delivery_status, failed.delivery_error) == ("failed", "failed:user block")
    assert Conversation.objects.get(pk=conversation.pk).last_inbound_at == before
    assert Message.objects.filter(direction="in").count() == 0


def test_a_delivery_notice_after_48_hours_goes_as_the_wechat_notice_template(wechat, templates,
                                                                             django_capture_on_commit_callbacks):
    from helpdesk.shipments.models import DeliveryNotice
    from helpdesk.shipments.notices import delivery_notice_send
    from tests.factories import ChannelIdentityFactory

    identity = ChannelIdentityFactory(channel="wechat", external_id=OPENID)
    shipment = ShipmentFactory(tracking_number="PD777777777CN", status="delivery_failed", customer=identity.customer)
    long_ago = timezone.now() - dt.timedelta(hours=50)
    ConversationFactory(customer=identity.customer, identity=identity, channel="wechat", external_user_id=OPENID,
                        language="zh-hans", last_inbound_at=long_ago, last_message_at=long_ago)
    notice = DeliveryNotice.objects.create(shipment=shipment, scan_event_id="scan-1", kind="attempt_failed",
                                           payload={"at": timezone.now().isoformat(), "reason": "recipient_absent"})
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery_notice_send(notice_id=notice.pk) == "sent"
    [sent] = wechat.sent_templates
    assert sent.touser == OPENID and sent.template_id == "ZhTmpl-Bz1KVdF3Xq9mWcR7"
    assert sent.values() == {"keyword1": "PD777777777CN", "keyword2": "派送未成功"}
    notice.refresh_from_db()
    assert notice.message.text == "快递单号：PD777777777CN\n物流状态：派送未成功" and wechat.sent_messages == []


def test_the_demo_templates_are_valid_and_cover_both_channels_in_four_languages():
    from helpdesk.conversations.demo import message_templates_demo_seed

    assert message_templates_demo_seed() == 24
    assert message_templates_demo_seed() == 24  # run again: refreshed, not duplicated
    for template in MessageTemplate.objects.all():
        template.full_clean()
    assert set(MessageTemplate.objects.values_list("channel", "language").distinct()) == {
        (channel, language) for channel in ("whatsapp", "wechat") for language in ("en", "zh-hans", "zh-hant", "ru")}


def test_the_conversation_page_costs_the_same_queries_on_every_channel(client, agent, team, templates):
    """The picker adds one query for every conversation, so the page's query count stays constant (bench-scale)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(agent)
    counts = []
    for conversation in (stale_wechat(team, language="zh-hans"),
                         ConversationFactory(channel="sms", external_user_id="+447700900888", team=team)):
        if not conversation.shipments.exists():
            conversation.shipments.add(ShipmentFactory())
        client.get(f"/inbox/c/{conversation.pk}/")  # warm: session, translations
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/inbox/c/{conversation.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_whatsapp_notice_after_24_hours_uses_the_kept_notice_template(settings, django_capture_on_commit_callbacks):
    from helpdesk.shipments.models import DeliveryNotice
    from helpdesk.shipments.notices import delivery_notice_send
    from integrations.standins.twilio import TwilioStandin
    from tests.factories import ChannelIdentityFactory

    sid = "HX" + "d" * 32
    MessageTemplateFactory(channel="whatsapp", key="delivery_update", language="ru", provider_template_id=sid,
                           body="Посылка {{1}}: {{2}}.", variables={"1": "tracking_number", "2": "shipment_status"})
    identity = ChannelIdentityFactory(channel="whatsapp", external_id="+79161234567")
    shipment = ShipmentFactory(tracking_number="PD888888888CN", status="delivery_failed", customer=identity.customer)
    long_ago = timezone.now() - dt.timedelta(hours=30)
    ConversationFactory(customer=identity.customer, identity=identity, channel="whatsapp",
                        external_user_id="+79161234567", language="ru", last_inbound_at=long_ago,
                        last_message_at=long_ago)
    notice = DeliveryNotice.objects.create(shipment=shipment, scan_event_id="scan-2", kind="attempt_failed",
                                           payload={"at": timezone.now().isoformat(), "reason": "recipient_absent"})
    with TwilioStandin() as twilio:
        settings.TWILIO = {"account_sid": twilio.account_sid, "auth_token": twilio.auth_token, "api_base": twilio.url,
                           "from_sms": "+15017122661", "from_whatsapp": "+14155238886", "status_callback": ""}
        with django_capture_on_commit_callbacks(execute=True):
            assert delivery_notice_send(notice_id=notice.pk) == "sent"
        [sent] = twilio.sent_messages
    assert sent.params["ContentSid"] == sid and sent.params["ContentVariables"] == (
        '{"1": "PD888888888CN", "2": "Доставка не удалась"}')
    notice.refresh_from_db()
    assert notice.message.text == "Посылка PD888888888CN: Доставка не удалась."
