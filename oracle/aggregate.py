"""Aggregation of the valid observations of one feed: median, quorum, maximum spread.

Rule (``aggregation`` in the feed config):

1. *Macro feeds* aggregate one period: the newest year reported by at least ``quorum``
   valid observations. Observations of other years are rejected (``period_mismatch``).
   Price feeds aggregate all valid quotes.
2. Fewer than ``quorum`` valid observations: nothing is accepted (``no_quorum``).
3. ``m`` = median of the candidates. With ``max_spread`` set, a candidate *agrees* when
   ``|x - m|`` is within ``max_spread`` (relative to ``m``, or absolute).
   If fewer than ``quorum`` candidates agree the sources disagree and nothing is accepted
   (``spread_too_wide``: with two sources one cannot tell which one is wrong). Otherwise the
   disagreeing ones are rejected (``outlier``).
4. The accepted value is the median of the agreeing observations (mean of the two middle
   ones for an even count, exact in Decimal). Its ``as_of`` is the period end (macro) or
   the *oldest* agreeing quote time (price: a value is only as fresh as its stalest
   input).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from oracle.config import MacroFeedConfig, PriceFeedConfig
from oracle.models import (
    AggregatedValue,
    FeedKind,
    Observation,
    Rejection,
    RejectionReason,
)

TWO = Decimal(2)


def median(values: Sequence[Decimal]) -> Decimal:
    """Median of a non-empty sequence; the mean of the two middle values for an even count."""
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / TWO


def aggregate(
    feed: PriceFeedConfig | MacroFeedConfig,
    valid: Sequence[Observation],
    *,
    now: datetime,
) -> tuple[AggregatedValue | None, list[Rejection]]:
    """Aggregate ``valid`` observations (already validated) into one value, or none.

    Returns the accepted value (or ``None``) and the rejections produced here (outliers,
    other periods, and the feed-level reason when nothing is accepted).
    """
    rules = feed.aggregation
    quorum = rules.quorum
    rejections: list[Rejection] = []

    def feed_level(reason: RejectionReason, message: str) -> Rejection:
        return Rejection(feed=feed.name, reason=reason, message=message)

    def per_observation(obs: Observation, reason: RejectionReason, message: str) -> Rejection:
        return Rejection(
            feed=feed.name,
            reason=reason,
            message=message,
            source=obs.source,
            observation=obs,
            location=obs.location,
            payload_sha256=obs.payload_sha256,
        )

    if len(valid) < quorum:
        rejections.append(
            feed_level(
                RejectionReason.NO_QUORUM,
                f"{len(valid)} valid observation(s) from {len(feed.sources)} source(s); "
                f"aggregation.quorum is {quorum}",
            )
        )
        return None, rejections

    candidates = list(valid)
    if isinstance(feed, MacroFeedConfig):
        by_period: dict[str, list[Observation]] = {}
        for obs in candidates:
            by_period.setdefault(obs.period, []).append(obs)
        eligible = [period for period, group in by_period.items() if len(group) >= quorum]
        if not eligible:
            counts = ", ".join(f"{p}: {len(g)}" for p, g in sorted(by_period.items()))
            rejections.append(
                feed_level(
                    RejectionReason.NO_QUORUM,
                    f"no year is reported by {quorum} valid sources (aggregation.quorum); "
                    f"observations per year: {counts}",
                )
            )
            return None, rejections
        period = max(eligible, key=int)
        candidates = by_period[period]
        for obs in valid:
            if obs.period != period:
                rejections.append(
                    per_observation(
                        obs,
                        RejectionReason.PERIOD_MISMATCH,
                        f"reports {obs.period}; the feed aggregates {period}, the newest year "
                        f"reported by {quorum} source(s)",
                    )
                )

    center = median([obs.value for obs in candidates])
    agreeing = candidates
    spread_rule = rules.max_spread
    if spread_rule is not None:
        agreeing = [obs for obs in candidates if not spread_rule.exceeded(obs.value, center)]
        if len(agreeing) < quorum:
            listing = ", ".join(f"{obs.source}={obs.value}" for obs in candidates)
            rejections.append(
                feed_level(
                    RejectionReason.SPREAD_TOO_WIDE,
                    f"sources disagree: {listing} (median {center}); only {len(agreeing)} "
                    f"within aggregation.max_spread {spread_rule.describe()} of the median, "
                    f"quorum is {quorum}",
                )
            )
            return None, rejections
        agreeing_ids = {id(obs) for obs in agreeing}
        for obs in candidates:
            if id(obs) not in agreeing_ids:
                rejections.append(
                    per_observation(
                        obs,
                        RejectionReason.OUTLIER,
                        f"{obs.value} is beyond aggregation.max_spread {spread_rule.describe()} "
                        f"of the median {center} of {len(candidates)} sources",
                    )
                )

    values = [obs.value for obs in agreeing]
    value = median(values)
    first = agreeing[0]
    if feed.kind == FeedKind.PRICE:
        as_of = min(obs.as_of for obs in agreeing)
        period = as_of.isoformat().replace("+00:00", "Z")
    else:
        as_of = first.as_of
        period = first.period
    accepted = AggregatedValue(
        feed=feed.name,
        kind=FeedKind(feed.kind),
        value=value,
        unit=first.unit,
        period=period,
        as_of=as_of,
        observations=tuple(agreeing),
        spread=max(values) - min(values),
        computed_at=now,
    )
    return accepted, rejections
