"""speedups.py: Rasa's validation of action server responses refuses and accepts exactly what it did, but checks
the (never changing) schema once per process instead of on every response."""
from __future__ import annotations

import jsonschema
import pytest
from jsonschema import ValidationError

import speedups
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig


@pytest.fixture
def installed():
    before = jsonschema.validate
    speedups.install()
    speedups._validators.clear()
    yield
    jsonschema.validate = before


def remote_action() -> RemoteAction:
    return RemoteAction("action_anything", EndpointConfig("http://127.0.0.1:9/webhook"))


GOOD = {"events": [{"event": "slot", "name": "language", "value": "ru"}],
        "responses": [{"text": "Здравствуйте!"}]}
BAD = [
    {"events": [{"event": "slot", "value": "ru"}], "responses": []},  # a slot event without the slot's name
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["a reply that is not an object"]},
    {"events": [{"event": "no_such_event"}], "responses": []},
]


def original_error(result: dict) -> str:
    with pytest.raises(ValidationError) as error:
        speedups._original_validate(result, remote_action().action_response_format_spec())
    return error.value.message


def test_a_valid_action_response_is_accepted(installed):
    assert remote_action()._validate_action_result(GOOD) is True


@pytest.mark.parametrize("result", BAD)
def test_an_invalid_action_response_is_refused_with_the_same_message_as_before(installed, result):
    with pytest.raises(ValidationError) as error:
        remote_action()._validate_action_result(result)
    assert error.value.message.startswith(original_error(result))
    assert "Failed to validate Action server response" in error.value.message


def test_the_schema_is_checked_once_for_many_responses(installed, monkeypatch):
    checked = []
    validator_class = jsonschema.validators.validator_for(remote_action().action_response_format_spec())
    real_check = validator_class.check_schema
    monkeypatch.setattr(validator_class, "check_schema", classmethod(lambda cls, s: (checked.append(1), real_check(s))))
    for _ in range(5):  # Rasa builds a new schema dict for each response
        assert remote_action()._validate_action_result(GOOD) is True
    with pytest.raises(ValidationError):
        remote_action()._validate_action_result(BAD[0])
    assert len(checked) == 1


def test_a_bad_schema_still_raises_and_extra_arguments_take_the_original_path(installed):
    with pytest.raises(jsonschema.SchemaError):
        jsonschema.validate({}, {"type": "no-such-type"})
    with pytest.raises(ValidationError):
        jsonschema.validate(5, {"type": "string"}, format_checker=jsonschema.FormatChecker())
    assert jsonschema.validate("ok", {"type": "string"}) is None
