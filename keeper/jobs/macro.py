"""Push macro observations (debt-to-GDP, real GDP growth) to the sovereign's MacroFeed when a
new period or a revision is published.

Not available in this release: the MacroFeed contract has not landed on main yet (MacroFeed
+ DebtConversion, on the `tsdcm` branch). Configuring ``jobs.macro`` makes the keeper refuse
to start (and ``keeper check-config`` fail) with a message saying so, rather than pretend
the job ran.
"""

from __future__ import annotations

from typing import Any

from keeper.exceptions import JobNotAvailable
from keeper.jobs.base import JobContext

AVAILABLE = False
CONTRACT = "MacroFeed"


def build(ctx: JobContext, settings: Any) -> Any:
    raise JobNotAvailable(
        f"jobs.macro: the {CONTRACT} contract is not part of this release yet, so the "
        f"macro job cannot run; remove `jobs.macro` from the config (or upgrade the "
        "keeper once the contract ships)"
    )
