"""Call the TSDCM `convert()` once its on-chain check holds.

Not available in this release: the DebtConversion contract has not landed on main yet
(MacroFeed + DebtConversion, on the `tsdcm` branch). Configuring ``jobs.conversion`` makes
the keeper refuse to start (and ``keeper check-config`` fail) with a message saying so,
rather than pretend the job ran.
"""

from __future__ import annotations

from typing import Any

from keeper.exceptions import JobNotAvailable
from keeper.jobs.base import JobContext

AVAILABLE = False
CONTRACT = "DebtConversion"


def build(ctx: JobContext, settings: Any) -> Any:
    raise JobNotAvailable(
        f"jobs.conversion: the {CONTRACT} contract is not part of this release yet, so the "
        f"conversion job cannot run; remove `jobs.conversion` from the config (or upgrade the "
        "keeper once the contract ships)"
    )
