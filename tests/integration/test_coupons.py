"""The coupons job against the real BondToken on Anvil: exactly once per period, across
years of chain time, restarts, two keepers and a short paying agent."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from keeper.tx import REVERTED
from tests.conftest import DAY, USDC
from tests.integration.conftest import funding_events, mine_at


def _due(bond, k: int) -> int:
    return bond.coupon_record(k)[1]


def _assert_all_funded_once(chain, bond) -> None:
    n = bond.periodCount()
    assert bond.recorded_periods() == n
    for k in range(1, n + 1):
        _, due, funded = bond.coupon_record(k)
        assert due > 0 and funded == due, f"period {k}: funded {funded} of {due}"
    due, funded, _ = bond.redemption_state()
    assert due > 0 and funded == due
    events = funding_events(chain, bond)
    per_period = Counter(period for period, _ in events)
    assert per_period == Counter({k: 1 for k in range(0, n + 1)}), per_period


def test_fast_forward_five_years__every_coupon_and_redemption_funded_exactly_once(
    chain, holders, funded_agent, make_keeper, paying_agent
):
    bond = holders
    keeper = make_keeper(paying_agent)
    start = chain.pending_timestamp
    end = bond.maturityDate() + 30 * DAY
    # Nothing is due before the first coupon date.
    assert keeper.run_once()[0].actions == []
    # Walk chain time in uneven steps (45 days, sometimes a 400-day outage) and run the
    # keeper once or twice at each step.
    t, step = start, 0
    while t < end:
        step += 1
        t += 400 * DAY if step % 7 == 0 else 45 * DAY
        mine_at(chain, t)
        keeper.run_once()
        if step % 3 == 0:
            assert keeper.run_once()[0].actions == [], "a second pass must find nothing to do"
    _assert_all_funded_once(chain, bond)
    # Long after maturity, further passes do nothing.
    mine_at(chain, end + 365 * DAY)
    assert keeper.run_once()[0].actions == []
    assert not keeper.last_error


def test_day_of_downtime_after_several_dates__caught_up_in_one_pass(
    chain, holders, funded_agent, make_keeper, paying_agent
):
    bond = holders
    mine_at(chain, bond.coupon_period(3)[0] + DAY)  # three record dates passed while down
    report = make_keeper(paying_agent).run_once()[0]
    assert [a.split(":")[0] for a in report.actions] == ["roll"] + ["fund_coupon"] * 3
    assert [bond.coupon_record(k)[2] for k in (1, 2, 3)] == [_due(bond, k) for k in (1, 2, 3)]
    assert bond.coupon_record(4)[1] == 0  # not recorded yet: chain time is before t_4


def test_restart_mid_life__new_keeper_over_same_state_dir_does_not_double_fund(
    chain, holders, funded_agent, make_keeper, paying_agent
):
    bond = holders
    first = make_keeper(paying_agent, name="state")
    mine_at(chain, bond.coupon_period(4)[0] + 1)
    first.run_once()
    first.close()
    second = make_keeper(paying_agent, name="state")  # same data dir: a restart
    assert second.run_once()[0].actions == []
    mine_at(chain, bond.maturityDate() + DAY)
    second.run_once()
    _assert_all_funded_once(chain, bond)


@pytest.fixture
def second_agent(bond, usdc, admin, issuer):
    """Another paying-agent signer (a second keeper on another machine)."""
    bond.grantRole(bond.PAYING_AGENT_ROLE(), issuer, sender=admin)
    usdc.mint(issuer, 10**9 * USDC, sender=admin)
    usdc.approve(bond, 2**256 - 1, sender=issuer)
    return issuer


def test_two_keepers_interleaved__each_period_funded_once_and_no_gas_wasted(
    chain, holders, funded_agent, second_agent, make_keeper, paying_agent
):
    bond = holders
    a = make_keeper(paying_agent, name="a")
    b = make_keeper(second_agent, name="b")
    t = chain.pending_timestamp
    for step in range(14):
        t += 150 * DAY
        mine_at(chain, t)
        first, second = (a, b) if step % 2 == 0 else (b, a)
        first.run_once()
        assert second.run_once()[0].actions == [], "the other keeper already did it"
    _assert_all_funded_once(chain, bond)
    for keeper in (a, b):
        assert not [r for r in keeper.store.all() if r.status == REVERTED]


def test_two_keepers_concurrent__no_period_funded_twice(
    chain, holders, funded_agent, second_agent, make_keeper, paying_agent
):
    bond = holders
    keepers = [make_keeper(paying_agent, name="a"), make_keeper(second_agent, name="b")]
    t = chain.pending_timestamp
    for _ in range(14):
        t += 150 * DAY
        mine_at(chain, t)
        threads = [threading.Thread(target=k.run_once) for k in keepers]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
    # A race can cost one reverted transaction at most per period (the contract refuses
    # over-funding), but never a double payment.
    _assert_all_funded_once(chain, bond)


def test_partial_funding__agent_short__funds_what_it_has_alerts_then_tops_up(
    chain, bond, holders, usdc, admin, fresh_agent, make_keeper
):
    paying_agent = fresh_agent
    usdc.approve(bond, 2**256 - 1, sender=paying_agent)
    due1 = 1_000 * 25 * USDC  # 1000 tokens, 25 USDC per token
    usdc.mint(paying_agent, 10_000 * USDC, sender=admin)  # 40 % of the coupon
    keeper = make_keeper(paying_agent)
    mine_at(chain, bond.coupon_period(1)[0] + 1)
    report = keeper.run_once()[0]
    assert bond.coupon_record(1)[1:] == (due1, 10_000 * USDC)
    assert report.alerts and "coupon 1" in report.alerts[0]
    short = keeper.metrics.value("keeper_coupon_shortfall_units", {"bond": "BL31", "period": "1"})
    assert short == due1 - 10_000 * USDC
    # Nothing more to fund with an empty agent: no transaction, still alerting.
    again = keeper.run_once()[0]
    assert again.actions == [] and again.alerts
    # The custodian pays in the rest: the next pass tops up and clears the alert.
    usdc.mint(paying_agent, 20_000 * USDC, sender=admin)
    keeper.run_once()
    assert bond.coupon_record(1)[2] == due1
    assert (
        keeper.metrics.value("keeper_coupon_shortfall_units", {"bond": "BL31", "period": "1"}) == 0
    )
    assert usdc.balanceOf(paying_agent) == 30_000 * USDC - due1


def test_allowance_short_without_auto_approve__funds_up_to_allowance(
    chain, bond, holders, usdc, admin, fresh_agent, make_keeper
):
    paying_agent = fresh_agent
    usdc.mint(paying_agent, 10**9 * USDC, sender=admin)
    usdc.approve(bond, 5_000 * USDC, sender=paying_agent)
    keeper = make_keeper(paying_agent)
    mine_at(chain, bond.coupon_period(1)[0] + 1)
    report = keeper.run_once()[0]
    assert bond.coupon_record(1)[2] == 5_000 * USDC
    assert "allowance 5000000000" in report.alerts[0]


def test_auto_approve__approves_then_funds_in_full(
    chain, bond, holders, usdc, admin, fresh_agent, make_keeper
):
    paying_agent = fresh_agent
    usdc.mint(paying_agent, 10**9 * USDC, sender=admin)
    keeper = make_keeper(paying_agent, auto_approve=True)
    mine_at(chain, bond.coupon_period(1)[0] + 1)
    report = keeper.run_once()[0]
    assert report.actions[0].startswith("roll:") and report.actions[1].startswith("approve:")
    assert bond.coupon_record(1)[2] == _due(bond, 1)


def test_dry_run__simulates_and_sends_nothing(
    chain, holders, funded_agent, paying_agent, make_keeper, bond
):
    keeper = make_keeper(paying_agent)
    keeper.tx.dry_run = True
    mine_at(chain, bond.coupon_period(2)[0] + 1)
    height = chain.blocks.height
    report = keeper.run_once()[0]
    assert report.actions and all("dry_run" in a for a in report.actions)
    assert chain.blocks.height == height
    assert bond.recorded_periods() == 0


def test_signer_without_paying_agent_role__keeper_refuses_to_start(
    chain, holders, attacker, make_keeper
):
    from keeper.exceptions import UnsafeStateError

    keeper = make_keeper(attacker)
    with pytest.raises(UnsafeStateError, match="lacks PAYING_AGENT_ROLE"):
        keeper.run_once()
