"""Data source adapters behind one interface (:class:`~oracle.sources.base.Source`).

==================  =============================================  ==============
type (config)       adapter                                        feeds
==================  =============================================  ==============
``custodian_http``  :class:`~.custodian.CustodianPriceSource`      price
``imf_datamapper``  :class:`~.imf.ImfDataMapperSource`             macro
``world_bank``      :class:`~.worldbank.WorldBankSource`           macro
``file``            :class:`~.files.FileSource` (CSV, JSON)        price, macro
``simulated``       :class:`~.simulated.SimulatedMacroSource`      macro
==================  =============================================  ==============
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from oracle.config import (
    CustodianSourceConfig,
    FileSourceConfig,
    ImfSourceConfig,
    OracleConfig,
    SimulatedSourceConfig,
    WorldBankSourceConfig,
)
from oracle.models import utc_now
from oracle.sources.base import FeedRequest, Source
from oracle.sources.custodian import CustodianPriceSource
from oracle.sources.files import FileSource
from oracle.sources.imf import ImfDataMapperSource
from oracle.sources.simulated import SimulatedMacroSource
from oracle.sources.worldbank import WorldBankSource
from oracle.transport import HttpClient

__all__ = [
    "CustodianPriceSource",
    "FeedRequest",
    "FileSource",
    "ImfDataMapperSource",
    "SimulatedMacroSource",
    "Source",
    "WorldBankSource",
    "build_source",
    "build_sources",
]


def build_source(
    config: OracleConfig,
    name: str,
    *,
    http: HttpClient,
    clock: Callable[[], datetime] = utc_now,
) -> Source:
    """Instantiate the adapter for ``config.sources[name]``."""
    source = config.sources[name]
    settings = config.http_for(name)
    if isinstance(source, CustodianSourceConfig):
        return CustodianPriceSource(name, source, http, settings)
    if isinstance(source, ImfSourceConfig):
        return ImfDataMapperSource(name, source, http, settings)
    if isinstance(source, WorldBankSourceConfig):
        return WorldBankSource(name, source, http, settings)
    if isinstance(source, FileSourceConfig):
        return FileSource(name, source, config.base_dir, clock=clock)
    if isinstance(source, SimulatedSourceConfig):
        return SimulatedMacroSource(name, source, clock=clock)
    raise TypeError(f"no adapter for source type {type(source).__name__}")


def build_sources(
    config: OracleConfig,
    *,
    http: HttpClient | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> dict[str, Source]:
    """One adapter per configured source, sharing one HTTP client."""
    client = http or HttpClient(clock=clock)
    return {name: build_source(config, name, http=client, clock=clock) for name in config.sources}
