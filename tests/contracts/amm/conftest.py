"""Fixtures for the SteadyAMM tests: feed, pool, funded traders and the reference model.

Roles: ``carol`` provides the first liquidity (``lp``), ``alice`` and ``bob`` trade,
``attacker`` is the blacklisted/unauthorised party, ``compliance`` holds PAUSER_ROLE.

Fixtures are package-scoped: ape snapshots the chain at the start of this package and
restores it at the end, so nothing minted, registered or deployed here leaks into the
other test packages (which share the session's bond, USDC and Whitelist).
"""

from __future__ import annotations

import pytest

from analytics import bond_math
from tests.conftest import DAY, TOKEN, USDC, BondTerms
from tests.utils.amm_model import Bond, SteadyAMMModel
from tests.utils.ape_speed import fast_reverts

PAR = 100 * 10**8  # feed answer at 100 % of par (8 decimals)
FEE_BPS = 30
BAND_BPS = 500
MAX_AGE = DAY
FEED_MAX_DEVIATION_BPS = 2_000
MAX_UINT = 2**256 - 1
DEADLINE = 2**64
INITIAL_BOND = 1_000 * TOKEN  # first liquidity: 1,000 tokens at par = 1,000,000 USDC


@pytest.fixture(scope="package", autouse=True)
def _fast_reverts():
    """Skip ape's per-revert source traceback (seconds each); reasons are still checked."""
    with fast_reverts():
        yield


@pytest.fixture(scope="package")
def reporter(accounts):
    acct = accounts.generate_test_account()
    acct.balance = 10**21
    return acct


@pytest.fixture(scope="package")
def lp(carol):
    return carol


@pytest.fixture(scope="package")
def make_feed(project, admin, reporter):
    def _make(bond, max_dev: int = FEED_MAX_DEVIATION_BPS):
        feed = admin.deploy(project.PriceFeed, bond, "clean price / % of par", max_dev, admin)
        feed.grantRole(feed.REPORTER_ROLE(), reporter, sender=admin)
        return feed

    return _make


@pytest.fixture(scope="package")
def push_price(chain, reporter):
    """push_price(feed, answer) -> observation timestamp (a fresh block's time)."""

    def _push(feed, answer: int, seconds: int = 1) -> int:
        chain.mine(deltatime=seconds)
        ts = chain.blocks.head.timestamp
        feed.submit(answer, ts, sender=reporter)
        return ts

    return _push


@pytest.fixture(scope="package")
def make_pool(project, admin, compliance, whitelist, kyc, chain, make_feed, push_price):
    """make_pool(bond, fee_bps=..., band_bps=...) -> (amm, feed); the pool is KYC-verified."""

    def _make(bond, fee_bps: int = FEE_BPS, band_bps: int = BAND_BPS, max_age: int = MAX_AGE):
        feed = make_feed(bond)
        push_price(feed, PAR)
        amm = admin.deploy(
            project.SteadyAMM,
            bond,
            feed,
            "steadyAMM BL31/USDC",
            "sBL31",
            fee_bps,
            band_bps,
            max_age,
            admin,
        )
        amm.grantRole(amm.PAUSER_ROLE(), compliance, sender=admin)
        # Deployment step: the KYC operator verifies the pool so it can collect coupons.
        whitelist.register(amm, chain.pending_timestamp + 40 * 365 * DAY, 0, sender=kyc)
        return amm, feed

    return _make


@pytest.fixture(scope="package")
def fund(usdc, admin, minter):
    """fund(bond, amm, *accounts): 10,000 bond tokens, 10M USDC and approvals each."""

    def _fund(bond, amm, *accts):
        for a in accts:
            bond.mint(a, 10_000 * TOKEN, sender=minter)
            usdc.mint(a, 10_000_000 * USDC, sender=admin)
            bond.approve(amm, MAX_UINT, sender=a)
            usdc.approve(amm, MAX_UINT, sender=a)

    return _fund


@pytest.fixture(scope="package")
def empty_pool(make_pool, bond, fund, alice, bob, carol, attacker):
    """(amm, feed) for the session's 5-year 5% ACT/ACT bond, no liquidity yet."""
    amm, feed = make_pool(bond)
    fund(bond, amm, alice, bob, carol, attacker)
    return amm, feed


@pytest.fixture
def new_pool(make_pool, fund, bond, lp):
    """(amm, feed): a pool of its own with no liquidity (the session `amm` has some)."""
    amm, feed = make_pool(bond)
    fund(bond, amm, lp)
    return amm, feed


@pytest.fixture(scope="package")
def amm(empty_pool, lp):
    amm, _ = empty_pool
    amm.add_liquidity(INITIAL_BOND, MAX_UINT, 0, lp, DEADLINE, sender=lp)
    return amm


@pytest.fixture(scope="package")
def feed(empty_pool):
    return empty_pool[1]


@pytest.fixture(scope="package")
def model_bond(terms: BondTerms) -> Bond:
    return Bond(terms.denomination_units, terms.table, terms.basis)


@pytest.fixture
def model(amm, feed, model_bond, lp) -> SteadyAMMModel:
    """The reference model in the state of the `amm` fixture (read from the chain)."""
    x, y, cash = amm.reserves()
    fee, band, age, paused = amm.parameters()
    m = SteadyAMMModel(model_bond, fee_bps=fee, band_bps=band, max_oracle_age=age, paused=paused)
    m.x, m.y, m.cash = x, y, cash
    m.supply = amm.totalSupply()
    m.shares = {"pool": amm.balanceOf(amm), lp.address: amm.balanceOf(lp)}
    _, answer, _, updated, _ = feed.latestRoundData()
    m.set_oracle(answer, updated)
    return m


@pytest.fixture(scope="package")
def thirty_360_terms(terms) -> BondTerms:
    """Same dates and coupon as `terms`, on the 30/360 day count."""
    return BondTerms(terms.issue, terms.maturity, frequency=2, basis=bond_math.DayCount.THIRTY_360)


def at(chain, ts: int) -> int:
    """Make the next block (the next transaction) happen exactly at `ts`."""
    chain.pending_timestamp = ts
    return ts


def mid_period(terms: BondTerms, k: int = 1) -> int:
    """A timestamp half-way through coupon period k (1-based), mid-day."""
    p = terms.table[k - 1]
    return (p.start_ts + p.end_ts) // 2 // DAY * DAY + DAY // 2
