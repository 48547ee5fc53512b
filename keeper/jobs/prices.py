"""Push custodian prices to each bond's PriceFeed: heartbeat + deviation threshold per feed,
values from the oracle pipeline.

Not available in this release: the PriceFeed contract has not landed on main yet (SteadyAMM
+ PriceFeed, on the `amm` branch). Configuring ``jobs.prices`` makes the keeper refuse to
start (and ``keeper check-config`` fail) with a message saying so, rather than pretend the
job ran.
"""

from __future__ import annotations

from typing import Any

from keeper.exceptions import JobNotAvailable
from keeper.jobs.base import JobContext

AVAILABLE = False
CONTRACT = "PriceFeed"


def build(ctx: JobContext, settings: Any) -> Any:
    raise JobNotAvailable(
        f"jobs.prices: the {CONTRACT} contract is not part of this release yet, so the "
        f"prices job cannot run; remove `jobs.prices` from the config (or upgrade the "
        "keeper once the contract ships)"
    )
