"""Strict request bodies.

Litestar validates bodies in msgspec's lax mode, which turns ``"1"`` into ``1``. The contract wants
wrong types refused, so handlers take the decoded JSON unvalidated (``Body[T]``, which still
documents ``T`` in the OpenAPI schema) and convert it strictly here.

Before any of that, ``JsonRequest`` (the app's request class) refuses what should never reach
the decoder: a body that is not sent as JSON (415), and one nested deeper than
``MAX_JSON_DEPTH``, found by counting brackets, which costs microseconds where decoding 10,000
levels cost a second and ended in a ``RecursionError``.
"""

from __future__ import annotations

import re
from array import array
from itertools import accumulate
from typing import Annotated, Any, TypeAlias, TypeVar

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, SerializationException
from litestar.params import BodyKwarg, SkipValidationMarker

from rostra.domain.errors import ValidationError

T = TypeVar("T")

Body: TypeAlias = Annotated[
    T, BodyKwarg(media_type=RequestEncodingType.JSON), SkipValidationMarker()
]

# No body of the API comes near this; a deeper one is refused before it is decoded.
MAX_JSON_DEPTH = 32
# A JSON string (escapes included), whose brackets are text, not structure.
STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # as signed bytes: +1, +1, -1, -1
BODY_LANGUAGE = "rostra_lang"  # the scope state key for the ``lang`` a JSON body gave
JSON_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json\s*(?:;|$)", re.IGNORECASE)


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text ``body`` nests arrays and objects more than ``limit`` deep.

    Strings are blanked, every other byte but brackets dropped, and the depth is the highest
    running sum of +1 per opening and -1 per closing bracket, all of it in C (a few ms for the
    largest body). An unclosed run of brackets counts as deep as it goes.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    steps = STRING.sub(b"", body).translate(None, NOT_BRACKETS).translate(STEPS)
    return max(accumulate(array("b", steps)), default=0) > limit


class JsonRequest(Request[Any, Any, Any]):
    """The app's request: JSON bodies are checked for their media type and depth before
    Litestar decodes them."""

    async def json(self) -> Any:
        body = await self.body()
        if body:
            media_type = self.headers.get("content-type", "")
            if not JSON_TYPE.match(media_type):
                raise ClientException(
                    status_code=415,
                    detail="The body must be JSON, sent with 'Content-Type: application/json'.",
                )
            if json_depth_exceeds(body):
                raise ValidationError(
                    f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep."
                )
        try:
            data = await super().json()
        except SerializationException as exc:
            # msgspec's words name the place ("Input data was truncated"); the sentence around
            # them is Rostra's, so that it translates.
            detail = str(exc).rstrip(".")
            raise ValidationError(f"The body is not valid JSON ({detail}).") from None
        if isinstance(data, dict) and isinstance(data.get("lang"), str):
            # The widget's language, for an error answer in it (``rostra.web.errors``).
            self.scope.setdefault("state", {})[BODY_LANGUAGE] = data["lang"]
        return data


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
