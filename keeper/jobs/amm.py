"""Collect the coupons the SteadyAMM pool is owed into its reserves.

Not available in this release: the SteadyAMM contract has not landed on main yet (SteadyAMM
+ PriceFeed, on the `amm` branch). Configuring ``jobs.amm`` makes the keeper refuse to start
(and ``keeper check-config`` fail) with a message saying so, rather than pretend the job
ran.
"""

from __future__ import annotations

from typing import Any

from keeper.exceptions import JobNotAvailable
from keeper.jobs.base import JobContext

AVAILABLE = False
CONTRACT = "SteadyAMM"


def build(ctx: JobContext, settings: Any) -> Any:
    raise JobNotAvailable(
        f"jobs.amm: the {CONTRACT} contract is not part of this release yet, so the "
        f"amm job cannot run; remove `jobs.amm` from the config (or upgrade the "
        "keeper once the contract ships)"
    )
