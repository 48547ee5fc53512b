"""Limits every observation must meet, whatever its source, before aggregation.

Checks, in order (the first failure is reported):

1. **range**: ``validation.range`` of the feed (or the default for its kind/series),
   inclusive, in the feed's canonical unit (``out_of_range``);
2. **freshness**:
   price feeds: quote time not more than ``max_future_s`` ahead of now
   (``future_timestamp``) and not older than ``max_age_s`` (``stale``);
   macro feeds: the year is not more than ``max_lag_years`` before the newest usable year
   (``stale``; skipped when a year is pinned);
3. **monotonic**: not older than the last accepted value (``stale``);
4. **deviation**: within ``max_deviation`` of the last accepted value
   (``deviation_limit``). A genuine large move therefore needs a human decision (raise the
   limit or push by hand); that is the point of the limit.

Payload-level problems (HTTP, JSON, schema, nulls, country) are caught earlier by the
source adapters.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from oracle.config import MacroFeedConfig, PriceFeedConfig
from oracle.models import LastAccepted, Observation, Rejection, RejectionReason


def validate_observation(
    observation: Observation,
    feed: PriceFeedConfig | MacroFeedConfig,
    *,
    now: datetime,
    last_accepted: LastAccepted | None = None,
) -> Rejection | None:
    """Return ``None`` if ``observation`` may be aggregated, else the rejection."""

    def reject(reason: RejectionReason, message: str) -> Rejection:
        return Rejection(
            feed=feed.name,
            reason=reason,
            message=message,
            source=observation.source,
            observation=observation,
            location=observation.location,
            payload_sha256=observation.payload_sha256,
        )

    value = observation.value
    unit = observation.unit.value
    bounds = feed.value_range
    if not bounds.min <= value <= bounds.max:
        return reject(
            RejectionReason.OUT_OF_RANGE,
            f"{value} {unit} is outside the allowed range [{bounds.min}, {bounds.max}] "
            "(validation.range)",
        )

    if isinstance(feed, PriceFeedConfig):
        limits = feed.validation
        ahead = observation.as_of - now
        if ahead > timedelta(seconds=limits.max_future_s):
            return reject(
                RejectionReason.FUTURE_TIMESTAMP,
                f"quote time {observation.period} is {_duration(ahead)} in the future "
                f"(allowed clock skew: validation.max_future_s = {limits.max_future_s:g} s)",
            )
        age = now - observation.as_of
        if age > timedelta(seconds=limits.max_age_s):
            return reject(
                RejectionReason.STALE,
                f"quote time {observation.period} is {_duration(age)} old "
                f"(validation.max_age_s = {limits.max_age_s:g} s)",
            )
    else:
        limits_macro = feed.validation
        if limits_macro.year is None:
            newest = now.year + limits_macro.newest_year_offset
            oldest = newest - limits_macro.max_lag_years
            year = observation.as_of.year
            if year < oldest:
                return reject(
                    RejectionReason.STALE,
                    f"newest available year is {observation.period}; years before {oldest} are "
                    f"stale (newest usable year {newest}, "
                    f"validation.max_lag_years = {limits_macro.max_lag_years})",
                )

    if last_accepted is not None:
        if observation.as_of < last_accepted.as_of:
            return reject(
                RejectionReason.STALE,
                f"period {observation.period} is older than the last accepted period "
                f"{last_accepted.period}",
            )
        tolerance = feed.validation.max_deviation
        if tolerance is not None and tolerance.exceeded(value, last_accepted.value):
            return reject(
                RejectionReason.DEVIATION_LIMIT,
                f"{value} {unit} moves {_move(value, last_accepted.value)} from the last accepted "
                f"{last_accepted.value} (period {last_accepted.period}); "
                f"validation.max_deviation is {tolerance.describe()}",
            )
    return None


def _move(value: Decimal, reference: Decimal) -> str:
    delta = value - reference
    if reference == 0:
        return f"{delta:+}"
    bps = (delta / abs(reference) * 10_000).quantize(1)
    return f"{delta:+} ({bps:+} bps)"


def _duration(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {seconds}s"
    return f"{seconds}s"
