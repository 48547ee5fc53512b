"""One exception hierarchy for the oracle package.

``OracleError`` is the root. Two branches matter to callers:

* ``ConfigError``: the YAML configuration is invalid. It carries every problem found,
  each naming the key (``feeds[0].validation.max_age_s``), what is wrong and the fix.
* ``SourceError``: one source could not produce an observation (HTTP error, timeout,
  HTML instead of JSON, schema drift, null value, wrong country, ...). It carries a typed
  :class:`~oracle.models.RejectionReason`; the pipeline turns it into a
  :class:`~oracle.models.Rejection` so that a bad source never stops the other sources of a
  feed and never reaches the chain.
"""

from __future__ import annotations

from dataclasses import dataclass

from oracle.models import RejectionReason


class OracleError(Exception):
    """Root of every exception the oracle package raises on purpose."""


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in the configuration file.

    ``location`` names the key as a maintainer would find it in the YAML file, e.g.
    ``feeds[1] (ITA-debt).aggregation.quorum``; ``problem`` says what is wrong and ``fix``
    what to change.
    """

    location: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.location}: {self.problem}\n    fix: {self.fix}"


class ConfigError(OracleError):
    """The configuration file is missing, unreadable or invalid."""

    def __init__(self, path: str, issues: list[ConfigIssue]) -> None:
        self.path = path
        self.issues = list(issues)
        count = len(self.issues)
        header = f"invalid oracle config {path}: {count} problem{'s' if count != 1 else ''}"
        super().__init__("\n".join([header, *(f"  - {issue}" for issue in self.issues)]))


class SourceError(OracleError):
    """A source could not produce a usable observation; ``reason`` says why, precisely."""

    def __init__(
        self,
        reason: RejectionReason,
        message: str,
        *,
        url: str | None = None,
        payload_sha256: str | None = None,
        status: int | None = None,
    ) -> None:
        self.reason = reason
        self.message = message
        self.url = url
        self.payload_sha256 = payload_sha256
        self.status = status  # HTTP status when the error is an HTTP response
        super().__init__(f"{reason.value}: {message}")


class FetchError(SourceError):
    """Transport-level failure: HTTP status, timeout, connection, credentials, file I/O."""


class PayloadError(SourceError):
    """The payload arrived but is unusable: not JSON, HTML, schema drift, null, ..."""
