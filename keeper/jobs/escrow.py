"""Settle the primary-market escrow round at its deadline through its bounded batch helper.

Not available in this release: the Escrow contract has not landed on main yet (on the
`escrow` branch). Configuring ``jobs.escrow`` makes the keeper refuse to start (and ``keeper
check-config`` fail) with a message saying so, rather than pretend the job ran.
"""

from __future__ import annotations

from typing import Any

from keeper.exceptions import JobNotAvailable
from keeper.jobs.base import JobContext

AVAILABLE = False
CONTRACT = "Escrow"


def build(ctx: JobContext, settings: Any) -> Any:
    raise JobNotAvailable(
        f"jobs.escrow: the {CONTRACT} contract is not part of this release yet, so the "
        f"escrow job cannot run; remove `jobs.escrow` from the config (or upgrade the "
        "keeper once the contract ships)"
    )
