"""Fetch -> validate -> aggregate, for one feed or many. This is what the keeper calls.

Typical keeper use::

    from oracle import FeedPipeline, LastAccepted, load_config

    config = load_config("config/oracle.yaml")
    pipeline = FeedPipeline.from_config(config, "BTP-2030-price")
    result = pipeline.run(last_accepted=LastAccepted(value=..., period=..., as_of=...))
    if result.accepted is not None:
        push(result.accepted.to_fixed(8), result.accepted.as_of)   # the only pushable value
    for rejection in result.rejections:
        log.warning("%s", rejection)                               # never pushed

Guarantees of :meth:`FeedPipeline.run`:

* it never raises for a data problem: every source failure becomes a
  :class:`~oracle.models.Rejection` with a typed reason (an unexpected exception in an
  adapter becomes ``internal_error``), and the other sources still count;
* ``accepted`` is computed only from observations that passed every check, so a
  rejected observation never reaches the chain;
* no chain access, no global state: safe to run feeds in parallel threads
  (:func:`run_feeds`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from oracle.aggregate import aggregate
from oracle.config import MacroFeedConfig, OracleConfig, PriceFeedConfig
from oracle.errors import SourceError
from oracle.models import (
    FeedKind,
    FeedResult,
    LastAccepted,
    Observation,
    Rejection,
    RejectionReason,
    utc_now,
)
from oracle.sources import FeedRequest, Source, build_sources
from oracle.transport import HttpClient
from oracle.validation import validate_observation

logger = logging.getLogger("oracle")


class FeedPipeline:
    """Everything needed to produce one feed's value: its config and its sources."""

    def __init__(
        self,
        feed: PriceFeedConfig | MacroFeedConfig,
        sources: Sequence[Source],
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        names = [source.name for source in sources]
        if names != list(feed.sources):
            raise ValueError(f"feed {feed.name!r} wants sources {feed.sources}, got {names}")
        self.feed = feed
        self.sources = tuple(sources)
        self.clock = clock

    @classmethod
    def from_config(
        cls,
        config: OracleConfig,
        feed_name: str,
        *,
        http: HttpClient | None = None,
        clock: Callable[[], datetime] = utc_now,
        sources: Mapping[str, Source] | None = None,
    ) -> FeedPipeline:
        """Build the pipeline of feed ``feed_name`` (``KeyError`` if there is none).

        Pass ``sources`` (from :func:`~oracle.sources.build_sources`) to share adapters and
        their HTTP connection pools between pipelines.
        """
        feed = config.feed(feed_name)
        available = sources
        if available is None:
            available = build_sources(config, http=http, clock=clock)
        return cls(feed, [available[name] for name in feed.sources], clock=clock)

    def run(
        self,
        *,
        last_accepted: LastAccepted | None = None,
        now: datetime | None = None,
    ) -> FeedResult:
        """Fetch every source, validate, aggregate; see the module docstring.

        ``last_accepted``: the value currently on-chain for this feed (deviation limit and
        "never older than what was pushed"). ``now``: the reference time for staleness
        (default: the clock); pass chain time if the chain's clock is what matters.
        """
        started = self.clock()
        reference = (now or started).astimezone(UTC)
        request = FeedRequest.for_feed(self.feed, reference)
        observations: list[Observation] = []
        rejections: list[Rejection] = []
        valid: list[Observation] = []
        for source in self.sources:
            observation = self._fetch_one(source, request, rejections)
            if observation is None:
                continue
            observations.append(observation)
            rejection = validate_observation(
                observation, self.feed, now=reference, last_accepted=last_accepted
            )
            if rejection is None:
                valid.append(observation)
            else:
                rejections.append(rejection)
        accepted, aggregation_rejections = aggregate(self.feed, valid, now=reference)
        rejections.extend(aggregation_rejections)
        for rejection in rejections:
            logger.warning(
                "oracle rejection feed=%s source=%s reason=%s: %s",
                rejection.feed,
                rejection.source or "-",
                rejection.reason.value,
                rejection.message,
            )
        return FeedResult(
            feed=self.feed.name,
            kind=FeedKind(self.feed.kind),
            accepted=accepted,
            observations=tuple(observations),
            rejections=tuple(rejections),
            started_at=started,
            finished_at=self.clock(),
        )

    def _fetch_one(
        self, source: Source, request: FeedRequest, rejections: list[Rejection]
    ) -> Observation | None:
        try:
            return source.fetch(request)
        except SourceError as exc:
            rejections.append(
                Rejection(
                    feed=self.feed.name,
                    reason=exc.reason,
                    message=exc.message,
                    source=source.name,
                    location=exc.url,
                    payload_sha256=exc.payload_sha256,
                )
            )
        except Exception as exc:  # a bug in an adapter must not take the feed down
            logger.exception("oracle adapter %s crashed on feed %s", source.name, self.feed.name)
            rejections.append(
                Rejection(
                    feed=self.feed.name,
                    reason=RejectionReason.INTERNAL_ERROR,
                    message=f"adapter crashed: {type(exc).__name__}: {exc}",
                    source=source.name,
                )
            )
        return None


def run_feeds(
    config: OracleConfig,
    feed_names: Iterable[str] | None = None,
    *,
    last_accepted: Mapping[str, LastAccepted] | None = None,
    now: datetime | None = None,
    max_workers: int = 8,
    http: HttpClient | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> list[FeedResult]:
    """Run several feeds (all by default) in parallel threads; results in config order."""
    names = list(feed_names) if feed_names is not None else [feed.name for feed in config.feeds]
    for name in names:
        config.feed(name)  # KeyError naming the known feeds, before any fetch
    sources = build_sources(config, http=http, clock=clock)
    pipelines = [
        FeedPipeline.from_config(config, name, clock=clock, sources=sources) for name in names
    ]
    previous = last_accepted or {}

    def run_one(pipeline: FeedPipeline) -> FeedResult:
        return pipeline.run(last_accepted=previous.get(pipeline.feed.name), now=now)

    if max_workers <= 1 or len(pipelines) <= 1:
        return [run_one(pipeline) for pipeline in pipelines]
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="oracle") as pool:
        return list(pool.map(run_one, pipelines))
