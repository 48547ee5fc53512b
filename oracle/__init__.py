"""bondline oracle package: data sources, validation and aggregation for prices and macro data.

Entry points:

* :func:`load_config` - read and validate the maintainer's YAML file;
* :class:`FeedPipeline` - fetch -> validate -> aggregate one feed (what the keeper calls);
* :func:`run_feeds` - the same for many feeds in parallel;
* ``oracle fetch --config FILE`` - the CLI, which shows what would be pushed and why
  anything was rejected, without touching the chain.
"""

from oracle.config import OracleConfig, load_config, parse_config
from oracle.errors import ConfigError, OracleError, SourceError
from oracle.models import (
    AggregatedValue,
    FeedKind,
    FeedResult,
    LastAccepted,
    MacroSeries,
    Observation,
    Rejection,
    RejectionReason,
    Unit,
)
from oracle.pipeline import FeedPipeline, run_feeds

__all__ = [
    "AggregatedValue",
    "ConfigError",
    "FeedKind",
    "FeedPipeline",
    "FeedResult",
    "LastAccepted",
    "MacroSeries",
    "Observation",
    "OracleConfig",
    "OracleError",
    "Rejection",
    "RejectionReason",
    "SourceError",
    "Unit",
    "load_config",
    "parse_config",
    "run_feeds",
]
