"""What the prices and macro jobs share: loading the oracle config, running its pipelines,
and turning their outcome into metrics.

The oracle package does all the data work (fetch, validate, aggregate); the keeper only
ever pushes :attr:`oracle.models.FeedResult.accepted`, never a rejected observation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from keeper.exceptions import ConfigError, ConfigIssue
from keeper.metrics import Metrics
from oracle.config import MacroFeedConfig, OracleConfig, PriceFeedConfig, load_config
from oracle.errors import ConfigError as OracleConfigError
from oracle.models import FeedResult, LastAccepted
from oracle.pipeline import FeedPipeline
from oracle.sources import Source, build_sources

MAX_FETCH_WORKERS = 8


def load_oracle(path: Path | None, job: str) -> OracleConfig:
    """The oracle YAML named by ``oracle_config`` (validated), or a keeper
    :class:`ConfigError` naming what is wrong (the keeper refuses to start)."""
    if path is None:
        raise ConfigError(
            "<keeper config>",
            [
                ConfigIssue(
                    "oracle_config",
                    f"jobs.{job} needs data from the oracle package",
                    "set `oracle_config:` to the oracle YAML file (docs/oracle-config.md)",
                )
            ],
        )
    try:
        return load_config(path)
    except OracleConfigError as exc:
        raise ConfigError(
            str(path),
            [ConfigIssue(f"oracle_config: {i.location}", i.problem, i.fix) for i in exc.issues],
        ) from None


def oracle_feed(
    config: OracleConfig, name: str, where: str, kind: str
) -> PriceFeedConfig | MacroFeedConfig:
    """Feed ``name`` of the oracle config, which must be of ``kind``; else a
    :class:`ConfigError` at ``where`` (the keeper config key)."""
    try:
        feed = config.feed(name)
    except KeyError:
        known = ", ".join(f.name for f in config.feeds if f.kind == kind) or "(none)"
        raise ConfigError(
            "<keeper config>",
            [
                ConfigIssue(
                    where,
                    f"the oracle config has no feed named {name!r}",
                    f"use one of its {kind} feeds: {known}",
                )
            ],
        ) from None
    if feed.kind != kind:
        raise ConfigError(
            "<keeper config>",
            [
                ConfigIssue(
                    where,
                    f"oracle feed {name!r} is a {feed.kind} feed, not a {kind} feed",
                    f"name a feed with `kind: {kind}` in the oracle config",
                )
            ],
        )
    return feed


class FeedRunner:
    """The oracle pipelines of some feeds, sharing one set of source adapters (and their
    HTTP connection pool). Pipelines of several feeds run in parallel threads."""

    def __init__(self, config: OracleConfig, feed_names: Sequence[str]) -> None:
        self.config = config
        self.sources: Mapping[str, Source] = build_sources(config)
        self.pipelines = {
            name: FeedPipeline.from_config(config, name, sources=self.sources)
            for name in dict.fromkeys(feed_names)
        }

    def run(
        self, requests: Mapping[str, tuple[str, LastAccepted | None]], now: datetime
    ) -> dict[str, FeedResult]:
        """``requests``: label -> (oracle feed name, value on chain). Runs each pipeline with
        reference time ``now`` (chain time); returns label -> result."""

        def one(label: str) -> FeedResult:
            name, last = requests[label]
            return self.pipelines[name].run(last_accepted=last, now=now)

        labels = list(requests)
        if len(labels) <= 1:
            return {label: one(label) for label in labels}
        with ThreadPoolExecutor(
            max_workers=min(MAX_FETCH_WORKERS, len(labels)), thread_name_prefix="keeper-oracle"
        ) as pool:
            return dict(zip(labels, pool.map(one, labels), strict=True))


def record_result(metrics: Metrics, label: str, result: FeedResult) -> None:
    """Count the rejections (``keeper_oracle_rejections_total{feed,reason}``) and flag a
    feed without an acceptable value (``keeper_feed_no_value{feed}``)."""
    for rejection in result.rejections:
        metrics.oracle_rejections.labels(feed=label, reason=rejection.reason.value).inc()
    metrics.feed_no_value.labels(feed=label).set(0 if result.accepted is not None else 1)


def chain_datetime(timestamp: int) -> datetime:
    """Chain time (unix s) as the timezone-aware UTC datetime the oracle wants."""
    return datetime.fromtimestamp(timestamp, UTC)


def rejection_summary(result: FeedResult) -> str:
    reasons = sorted({r.reason.value for r in result.rejections})
    return ", ".join(reasons) or "no observation"
