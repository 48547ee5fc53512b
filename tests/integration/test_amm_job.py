"""The amm job against the real SteadyAMM, PriceFeed and BondToken on Anvil: funded
coupons owed to the pool are collected exactly once, and nothing is sent otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils import keccak

from keeper.exceptions import UnsafeStateError
from tests.conftest import DAY, TOKEN, USDC
from tests.integration.conftest import mine_at, reverted_receipts

PAR = 100 * 10**8  # feed answer: 100 % of par, 8 decimals
MAX_UINT = 2**256 - 1
COLLECTED = "0x" + keccak(text="CouponsCollected(address,uint256,uint256,uint256)").hex()


@pytest.fixture
def pool(project, admin, chain, bond, usdc, whitelist, kyc, minter, accounts):
    """A SteadyAMM on the session bond with liquidity from a verified LP; the pool is
    KYC-verified (the deployment step that lets it collect coupons)."""
    reporter = accounts.generate_test_account()
    reporter.balance = 10**21
    feed = admin.deploy(project.PriceFeed, bond, "clean price / % of par", 2_000, admin)
    feed.grantRole(feed.REPORTER_ROLE(), reporter, sender=admin)
    chain.mine()
    feed.submit(PAR, chain.blocks.head.timestamp, sender=reporter)
    amm = admin.deploy(
        project.SteadyAMM, bond, feed, "steadyAMM BL31/USDC", "sBL31", 30, 500, DAY, admin
    )
    expiry = chain.pending_timestamp + 40 * 365 * DAY
    whitelist.register(amm, expiry, 0, sender=kyc)
    lp = accounts.generate_test_account()
    lp.balance = 10**21
    whitelist.register(lp, expiry, 380, sender=kyc)
    bond.mint(lp, 1_000 * TOKEN, sender=minter)
    usdc.mint(lp, 10**7 * USDC, sender=admin)
    bond.approve(amm, MAX_UINT, sender=lp)
    usdc.approve(amm, MAX_UINT, sender=lp)
    amm.add_liquidity(1_000 * TOKEN, MAX_UINT, 0, lp, 2**64, sender=lp)
    return amm


def _jobs(amm) -> dict[str, Any]:
    return {"amm": {"interval_s": 1, "pools": [{"name": "P1", "address": amm.address}]}}


def _collections(chain, amm) -> list[tuple[int, int, int]]:
    """(first, last, amount) of every CouponsCollected event of the pool."""
    logs = chain.provider.web3.eth.get_logs(
        {"address": amm.address, "fromBlock": 0, "toBlock": "latest", "topics": [COLLECTED]}
    )
    out = []
    for log in logs:
        data = bytes(log["data"])
        out.append(tuple(int.from_bytes(data[i : i + 32], "big") for i in (0, 32, 64)))
    return out


def _pass(keeper) -> Any:
    reports = keeper.run_once()
    assert not keeper.last_error, keeper.last_error
    return reports[0]


def _fund(bond, usdc, admin, agent, k: int, amount: int | None = None) -> int:
    due = bond.coupon_record(k)[1]
    amount = due if amount is None else amount
    usdc.mint(agent, amount, sender=admin)
    usdc.approve(bond, amount, sender=agent)
    bond.fund_coupon(k, amount, sender=agent)
    return amount


def test_funded_coupons__collected_into_the_pool_exactly_once(
    chain, pool, bond, usdc, admin, paying_agent, make_job_keeper, stranger
):
    keeper = make_job_keeper(stranger, _jobs(pool))
    assert _pass(keeper).actions == []  # nothing recorded yet
    # Record date 1 passes and is recorded, but the coupon is not funded: nothing to collect.
    mine_at(chain, bond.coupon_period(1)[0] + 1)
    bond.roll(sender=paying_agent)
    assert _pass(keeper).actions == []
    # Funded: collected once, into the pool's cash.
    _fund(bond, usdc, admin, paying_agent, 1)
    owed = bond.claimable_coupons(pool, 1, 1)
    assert owed > 0
    cash = pool.reserves()[2]
    report = _pass(keeper)
    assert report.actions == [f"amm_collect:{pool.address}:1-1 (mined)"]
    assert pool.reserves()[2] == cash + owed
    assert bond.claimable_coupons(pool, 1, 1) == 0
    assert _pass(keeper).actions == []
    assert keeper.metrics.value("keeper_amm_uncollected_coupon_units", {"pool": "P1"}) == 0
    # Two more dates pass while the keeper is away; a partial funding of period 2, then
    # the top-up: each state collected once, nothing twice.
    mine_at(chain, bond.coupon_period(3)[0] + 1)
    bond.roll(sender=paying_agent)
    due2 = bond.coupon_record(2)[1]
    _fund(bond, usdc, admin, paying_agent, 2, due2 // 2)
    _fund(bond, usdc, admin, paying_agent, 3)
    report = _pass(keeper)
    assert report.actions == [f"amm_collect:{pool.address}:2-3 (mined)"]
    _fund(bond, usdc, admin, paying_agent, 2, due2 - due2 // 2)
    report = _pass(keeper)
    assert report.actions == [f"amm_collect:{pool.address}:2-2 (mined)"]
    assert _pass(keeper).actions == []
    events = _collections(chain, pool)
    assert [(f, last) for f, last, _ in events] == [(1, 1), (2, 3), (2, 2)]
    # The pool collected exactly its share of each funded period.
    shares_total = [bond.coupon_record(k)[0] for k in (1, 2, 3)]
    funded = [bond.coupon_record(k)[2] for k in (1, 2, 3)]
    expected = sum(
        bond.shares_at_record(pool, k) * funded[k - 1] // shares_total[k - 1] for k in (1, 2, 3)
    )
    assert sum(amount for _, _, amount in events) == expected
    assert reverted_receipts(chain, [keeper]) == []


def test_pool_not_verified__alert_and_nothing_sent(
    chain, pool, bond, usdc, admin, paying_agent, whitelist, kyc, make_job_keeper, stranger
):
    mine_at(chain, bond.coupon_period(1)[0] + 1)
    bond.roll(sender=paying_agent)
    _fund(bond, usdc, admin, paying_agent, 1)
    whitelist.revoke(pool, sender=kyc)
    keeper = make_job_keeper(stranger, _jobs(pool))
    height = chain.blocks.height
    report = _pass(keeper)
    assert report.actions == [] and report.skipped == []
    assert len(report.alerts) == 1 and "not KYC-verified" in report.alerts[0]
    assert chain.blocks.height == height
    whitelist.register(pool, chain.pending_timestamp + 365 * DAY, 0, sender=kyc)
    assert _pass(keeper).actions == [f"amm_collect:{pool.address}:1-1 (mined)"]


def test_not_a_pool__refuses_to_start_naming_the_key(chain, bond, make_job_keeper, stranger):
    keeper = make_job_keeper(stranger, _jobs(bond))  # a BondToken, not a SteadyAMM
    with pytest.raises(UnsafeStateError, match=r"jobs\.amm\.pools\[0\] \(P1\).*not a SteadyAMM"):
        keeper.start()
