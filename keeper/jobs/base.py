"""What every job shares: the context it runs in and the report of one reconcile pass.

A job is **level-triggered**: :meth:`Job.run` reads what the chain says is due and what
is done, and acts on the difference. Running it twice, late, or after a restart does the
right thing; the chain is the source of truth and the transaction manager dedupes pending
intents by key.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keeper.chain import Chain
from keeper.metrics import Metrics
from keeper.tx import TxManager


@dataclass
class JobContext:
    chain: Chain
    tx: TxManager
    metrics: Metrics
    dry_run: bool = False
    oracle_config: Path | None = None  # the oracle YAML (``oracle_config``: prices, macro)


@dataclass
class JobReport:
    """What one pass did: ``actions`` sent (or would send, in a dry run), ``skipped``
    actions foreseen to revert, and ``alerts`` (e.g. a funding shortfall)."""

    job: str
    actions: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "actions": self.actions,
            "skipped": self.skipped,
            "alerts": self.alerts,
        }


class Job(ABC):
    """One kind of keeper work (coupons, prices, ...)."""

    name: str = "job"

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.log = logging.getLogger(f"keeper.jobs.{self.name}")

    def setup(self) -> None:
        """Check the chain once at start-up (roles, contracts exist); raise on problems."""
        return None

    @abstractmethod
    def run(self) -> JobReport:
        """One reconcile pass."""

    @abstractmethod
    def status(self) -> list[dict[str, Any]]:
        """Read-only state for ``keeper status`` (what is due, what is done)."""
