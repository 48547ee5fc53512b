"""Keep reverts cheap in ape tests.

On every revert ape decorates the exception: it fetches the full EVM trace, prints the
call tree and maps the trace back to Vyper source lines. For SteadyAMM that costs
seconds per revert (tens of seconds for a reverting binary-search quote) and dominates
the test suites, while the revert *reason* that ``ape.reverts`` checks does not depend on
it. ``fast_reverts()`` turns the decoration off for a test package and back on after.
Reverting ``eth_call`` views should also pass ``skip_trace=True``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import ape.exceptions
from ape_ethereum.trace import Trace


@contextmanager
def fast_reverts() -> Iterator[None]:
    original_tb = ape.exceptions._get_ape_traceback_from_tx
    original_show = Trace.show
    ape.exceptions._get_ape_traceback_from_tx = lambda txn: None
    Trace.show = lambda self, *args, **kwargs: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        ape.exceptions._get_ape_traceback_from_tx = original_tb
        Trace.show = original_show  # type: ignore[method-assign]
