"""Strict request bodies.

Litestar validates bodies in msgspec's lax mode, which turns ``"1"`` into ``1``. The contract wants
wrong types refused, so handlers take the decoded JSON unvalidated (``Body[T]``, which still
documents ``T`` in the OpenAPI schema) and convert it strictly here.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeAlias, TypeVar

import msgspec
from litestar.enums import RequestEncodingType
from litestar.params import BodyKwarg, SkipValidationMarker

from rostra.domain.errors import ValidationError

T = TypeVar("T")

Body: TypeAlias = Annotated[
    T, BodyKwarg(media_type=RequestEncodingType.JSON), SkipValidationMarker()
]

# msgspec says where a value failed as "... - at `$.anchor.exact`" or "... - at `$.pages[0]`".
PATH = re.compile(r"\s*-\s*at `\$((?:\.[A-Za-z0-9_]+|\[\d+\])*)`$")
MISSING = re.compile(r"Object missing required field `([^`]+)`")


def decode(data: Any, kind: type[T]) -> T:
    """``data`` (parsed JSON) as ``kind``, with no type coercion; raises ``ValidationError``."""
    try:
        return msgspec.convert(data, kind, strict=True)
    except msgspec.ValidationError as exc:
        raise _validation_error(str(exc)) from None


def _validation_error(message: str) -> ValidationError:
    field = None
    if match := PATH.search(message):
        field = re.sub(r"\[(\d+)\]", r".\1", match.group(1)).lstrip(".") or None
        message = message[: match.start()]
    if missing := MISSING.search(message):
        name = missing.group(1)
        field = f"{field}.{name}" if field else name
        message = f"'{name}' is required"
    if message.startswith("Expected `object`") and field is None:
        message = "The body must be a JSON object"
    return ValidationError(message.rstrip(".") + ".", field=field)
