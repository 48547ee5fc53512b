"""Fixtures for the PriceFeed and PriceFeedBatcher tests: reporters, feeds, a batcher.
Fixtures are package-scoped: ape snapshots the chain at the start of this package and
restores it at the end, so nothing minted, registered or deployed here leaks into the
other test packages (which share the session's bond, USDC and Whitelist).
"""

from __future__ import annotations

import pytest

from tests.utils.ape_speed import fast_reverts

PAR = 100 * 10**8  # feed answer at 100 % of par (8 decimals)
MAX_DEVIATION_BPS = 500  # 5 % per update without a second confirmation


@pytest.fixture(scope="package", autouse=True)
def _fast_reverts():
    """Skip ape's per-revert source traceback (seconds each); reasons are still checked."""
    with fast_reverts():
        yield


@pytest.fixture(scope="package")
def reporter(accounts):
    """The keeper's reporting account."""
    acct = accounts.generate_test_account()
    acct.balance = 10**21
    return acct


@pytest.fixture(scope="package")
def second_reporter(accounts):
    """An independent reporter (a second data source) that can confirm large moves."""
    acct = accounts.generate_test_account()
    acct.balance = 10**21
    return acct


@pytest.fixture(scope="package")
def make_feed(project, admin, bond, reporter, second_reporter):
    """make_feed(description=..., max_deviation_bps=...) -> PriceFeed with both reporters."""

    def _make(description: str = "BL31 clean price / % of par", max_dev: int = MAX_DEVIATION_BPS):
        feed = admin.deploy(project.PriceFeed, bond, description, max_dev, admin)
        for r in (reporter, second_reporter):
            feed.grantRole(feed.REPORTER_ROLE(), r, sender=admin)
        return feed

    return _make


@pytest.fixture(scope="package")
def feed(make_feed):
    return make_feed()


@pytest.fixture(scope="package")
def batcher(project, admin):
    return admin.deploy(project.PriceFeedBatcher)


@pytest.fixture
def tick(chain):
    """tick(seconds=60) -> timestamp of a freshly mined block `seconds` later."""

    def _tick(seconds: int = 60) -> int:
        chain.mine(deltatime=seconds)
        return chain.blocks.head.timestamp

    return _tick
