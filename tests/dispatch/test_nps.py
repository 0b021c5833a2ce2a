"""The NPS survey after delivery: started once per shipment through the bot (a stand-in Rasa server that
records trigger_intent), never while agents have the conversation or Rasa is down, and the answer lands
in the reports."""
import datetime as dt

import pytest
from django.utils import timezone

from helpdesk.conversations.models import Conversation
from helpdesk.conversations.services import conversation_hand_back, conversation_take_over
from helpdesk.surveys.models import NpsSurvey
from helpdesk.surveys.services import nps_survey_send
from helpdesk.surveys.tasks import nps_surveys_send_due
from tests.factories import AgentFactory, CustomerFactory, ShipmentFactory

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = "+8613800138000"


def at(minutes_ago):
    return (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat()


def surveys_started(rasa):
    return [t for t in rasa.triggers if t["name"] == "EXTERNAL_nps_survey"]


def time_passes(survey):
    NpsSurvey.objects.filter(pk=survey.pk, next_attempt_at__isnull=False).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1))


def test_the_survey_is_started_once_after_the_delay_and_the_answer_reaches_the_reports(
        dispatch, phones, rasa, live_server, bot_client, supervisor_client, settings):
    assert settings.NPS_SURVEY_DELAY_HOURS == 2
    shipment = ShipmentFactory(recipient_phone=PHONE, status="out_for_delivery", customer=CustomerFactory(language="en"))
    recent = ShipmentFactory(status="out_for_delivery")
    url = live_server.url + "/api/v1/dispatch/events/"
    dispatch.send_scans(url, [
        {"id": "d-1", "tracking_number": shipment.tracking_number, "type": "delivered", "occurred_at": at(150),
         "proof": {"otp_confirmed": True}},
        {"id": "d-2", "tracking_number": recent.tracking_number, "type": "delivered", "occurred_at": at(30)},
    ]).raise_for_status()
    dispatch.send_scans(url, [{"id": "d-1-again", "tracking_number": shipment.tracking_number, "type": "delivered",
                               "occurred_at": at(140)}]).raise_for_status()  # a second delivery scan plans nothing new
    survey = NpsSurvey.objects.get(shipment=shipment)
    assert NpsSurvey.objects.count() == 2
    conversation = Conversation.objects.get(channel="sms", external_user_id=PHONE)  # where the delivered notice went

    # An agent has the conversation: the survey waits.
    agent = AgentFactory()
    conversation_take_over(conversation=conversation, agent=agent)
    assert nps_surveys_send_due() == 1
    survey.refresh_from_db()
    assert survey.status == "pending" and "agents" in survey.last_error and surveys_started(rasa) == []

    # Handed back, but Rasa is down: still waiting, nothing started.
    conversation_hand_back(conversation=conversation, agent=agent)
    rasa.down = True
    time_passes(survey)
    nps_surveys_send_due()
    survey.refresh_from_db()
    assert survey.status == "pending" and "could not be reached" in survey.last_error and surveys_started(rasa) == []

    # Rasa is back: the survey starts, once, with the tracking number; the bot's question goes out by SMS.
    rasa.down = False
    time_passes(survey)
    nps_surveys_send_due()
    nps_surveys_send_due()
    assert nps_survey_send(survey_id=survey.pk) == "not_due"
    [started] = surveys_started(rasa)
    assert started == {"conversation": str(conversation.pk), "name": "EXTERNAL_nps_survey",
                       "entities": {"tracking_number": shipment.tracking_number}}
    survey.refresh_from_db()
    assert survey.status == "sent" and survey.conversation_id == conversation.pk and survey.triggered_at
    assert [m.body for m in phones.sent_messages if m.to == PHONE][-1] == rasa.survey_question
    assert not NpsSurvey.objects.filter(shipment=recent).exclude(status="pending").exists()  # not due yet

    # The customer answers; the bot records it through its API; the reports count it.
    answer = bot_client.post(f"/api/v1/bot/conversations/{conversation.pk}/nps/",
                             {"tracking_number": shipment.tracking_number, "score": 9, "comment": "Quick and friendly"},
                             format="json")
    assert answer.status_code == 201
    again = bot_client.post(f"/api/v1/bot/conversations/{conversation.pk}/nps/",
                            {"tracking_number": shipment.tracking_number, "score": 3}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "nps_already_answered"
    report = supervisor_client.get("/reports/", {"channel": "sms"}).context["r"]["nps"]
    assert (report["total"], report["promoters"], report["score"]) == (1, 1, 100)
    assert report["comments"][0]["comment"] == "Quick and friendly"


def test_no_survey_when_the_customer_opted_out_or_already_answered(dispatch, phones, rasa, live_server, bot_client,
                                                                   settings):
    settings.NPS_SURVEY_DELAY_HOURS = 0
    from tests.factories import ChannelIdentityFactory

    stopped = ChannelIdentityFactory(channel="sms", external_id=PHONE, opted_out_at=timezone.now())
    opted_out = ShipmentFactory(recipient_phone=PHONE, status="out_for_delivery", customer=stopped.customer)
    answered = ShipmentFactory(status="out_for_delivery")
    dispatch.send_scans(live_server.url + "/api/v1/dispatch/events/", [
        {"id": "d-1", "tracking_number": opted_out.tracking_number, "type": "delivered", "occurred_at": at(5)},
        {"id": "d-2", "tracking_number": answered.tracking_number, "type": "delivered", "occurred_at": at(5)},
    ]).raise_for_status()
    from helpdesk.surveys.services import nps_record

    nps_record(score=10, shipment=answered)  # answered another way (e.g. on the tracking page) before the survey
    nps_surveys_send_due()
    assert dict(NpsSurvey.objects.values_list("shipment__tracking_number", "status")) == {
        opted_out.tracking_number: "skipped", answered.tracking_number: "skipped"}
    assert surveys_started(rasa) == []
