"""A fix for Rasa 3.6's hottest spot, installed by `scripts/rasa_cli.py` before Rasa starts.

Rasa checks every action server response (`RemoteAction._validate_action_result`) and every event list posted to
the tracker API (`rasa/server.py`) with `jsonschema.validate(instance, schema)`. That function first checks the
*schema* against JSON Schema's meta-schema, every call, and the events schema is large: py-spy on the Rasa server in
bench-hub found 60-65 % of its CPU in `check_schema`, for a schema that never changes. Here `jsonschema.validate`
checks each distinct schema once per process and keeps its validator; the instance is validated exactly as before
and the same error (`best_match`) is raised, so a bad response is refused as it was.
"""
from __future__ import annotations

import json
import threading
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for

_original_validate = jsonschema.validate
_validators: dict[str, Any] = {}
_lock = threading.Lock()


def cached_validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    """`jsonschema.validate` with the schema check and the validator kept per distinct schema."""
    if cls is not None or args or kwargs:
        return _original_validate(instance, schema, cls, *args, **kwargs)
    try:
        # Rasa builds the schema dict afresh on every call, so the key is its content, not its identity.
        key = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):
        return _original_validate(instance, schema)
    validator = _validators.get(key)
    if validator is None:
        validator_class = validator_for(schema)
        validator_class.check_schema(schema)  # a bad schema still raises SchemaError, once
        validator = validator_class(schema)
        with _lock:
            _validators[key] = validator
    error = best_match(validator.iter_errors(instance))
    if error is not None:
        raise error
    return None


def install() -> None:
    """Replace `jsonschema.validate` for this process (Rasa imports it at call time, so every caller gets it)."""
    jsonschema.validate = cached_validate
