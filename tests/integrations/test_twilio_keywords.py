import pytest

from integrations.twilio.keywords import HELP, OPT_IN, OPT_OUT, compliance_keyword


@pytest.mark.parametrize("text", ["STOP", "stop", "  Stop\n", "UNSUBSCRIBE", "end", "Quit", "STOPALL", "revoke",
                                  "OPTOUT", "cancel"])
def test_opt_out_keywords(text):
    assert compliance_keyword(text) == OPT_OUT


@pytest.mark.parametrize("text", ["START", "yes", " Unstop "])
def test_opt_in_keywords(text):
    assert compliance_keyword(text) == OPT_IN


@pytest.mark.parametrize("text", ["HELP", "info", "\tHelp "])
def test_help_keywords(text):
    assert compliance_keyword(text) == HELP


@pytest.mark.parametrize("text", ["", None, "please stop", "stop it", "STOP!", "helpdesk", "cancel my delivery",
                                  "where is my parcel", "S T O P"])
def test_only_the_whole_message_is_a_keyword(text):
    assert compliance_keyword(text) is None
