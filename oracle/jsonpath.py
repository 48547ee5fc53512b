"""A deliberately small JSON path: dotted keys and list indices, nothing else.

Grammar (what maintainers write in the config):

    path    := ["$" ["."]] segment ("." key | "[" index "]" | '["' key '"]')*
    segment := key | "[" index "]"

Examples: ``price``, ``data.quote.clean``, ``$.data.quotes[0].price``,
``results[-1]["as.of"]``. No wildcards and no filters, so a path always designates at
most one value and a payload that changed shape is reported as schema drift instead of
silently matching something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"""
    (?P<dot>\.)?
    (?:
        (?P<key>[A-Za-z0-9_\-@$]+)            # bare key
      | \[(?P<index>-?\d+)\]                   # [3] or [-1]
      | \["(?P<qkey>[^"\\]+)"\]                # ["key with . or spaces"]
    )
    """,
    re.VERBOSE,
)


class JsonPathSyntaxError(ValueError):
    """The path text does not follow the grammar above."""


class JsonPathLookupError(LookupError):
    """The path does not resolve in a document; ``message`` says where it stopped."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class JsonPath:
    text: str
    segments: tuple[str | int, ...]

    @classmethod
    def parse(cls, text: str) -> JsonPath:
        source = text.strip()
        if not source:
            raise JsonPathSyntaxError("empty JSON path")
        body = source
        if body.startswith("$"):
            body = body[1:]
            if body.startswith("."):
                body = body[1:]
        if not body:
            raise JsonPathSyntaxError(f"JSON path {text!r} designates the whole document")
        segments: list[str | int] = []
        pos = 0
        while pos < len(body):
            match = _TOKEN.match(body, pos)
            if match is None or match.end() == pos:
                raise JsonPathSyntaxError(
                    f"JSON path {text!r}: cannot read {body[pos:]!r} "
                    "(use dotted keys and [n] indices, e.g. data.quotes[0].price)"
                )
            has_dot = match.group("dot") is not None
            is_key = match.group("key") is not None
            if pos == 0 and has_dot:
                raise JsonPathSyntaxError(f"JSON path {text!r} starts with '.'")
            if pos > 0 and is_key and not has_dot:
                raise JsonPathSyntaxError(f"JSON path {text!r}: missing '.' before a key")
            if match.group("index") is not None:
                if has_dot:
                    raise JsonPathSyntaxError(f"JSON path {text!r}: write a[0], not a.[0]")
                segments.append(int(match.group("index")))
            else:
                segments.append(match.group("key") or match.group("qkey"))
            pos = match.end()
        return cls(text=source, segments=tuple(segments))

    def resolve(self, document: Any) -> Any:
        """Return the value at this path; raise :class:`JsonPathLookupError` if absent."""
        current = document
        walked = "$"
        for segment in self.segments:
            if isinstance(segment, int):
                if not isinstance(current, list):
                    raise JsonPathLookupError(
                        f"{walked} is {_kind(current)}, expected a list to index with [{segment}]"
                    )
                if not -len(current) <= segment < len(current):
                    raise JsonPathLookupError(
                        f"{walked} has {len(current)} items, no index [{segment}]"
                    )
                current = current[segment]
                walked = f"{walked}[{segment}]"
            else:
                if not isinstance(current, dict):
                    raise JsonPathLookupError(
                        f"{walked} is {_kind(current)}, expected an object with key {segment!r}"
                    )
                if segment not in current:
                    keys = ", ".join(sorted(map(str, current))[:10]) or "none"
                    raise JsonPathLookupError(
                        f"key {segment!r} not found in {walked} (keys there: {keys})"
                    )
                current = current[segment]
                walked = f"{walked}.{segment}"
        return current

    def __str__(self) -> str:
        return self.text


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return "a number"


def describe_json_type(value: Any) -> str:
    """Human wording of a JSON value's type (``null``, ``a string``, ...)."""
    return _kind(value)
