"""Property tests: conversion against the reference model, nothing created or lost.

A hypothesis state machine mints, transfers bond tokens, moves time, tries to convert
(whenever the reference rule says it may, and expects the model's revert otherwise),
claims and moves PLT, on the real contracts (Anvil) and on `tests.utils.tsdcm_model`.
After every step:

- bond balances, supply and each holder's retired amount equal the model's, bit for bit;
- no holder's position is created or lost: balance + retired equals the holder's
  pre-conversion balance adjusted for its transfers (nominal amounts), within the exact
  rounding bounds: -1 (the conversion floors balance and retired separately) minus one
  per post-conversion send, plus one per post-conversion receive (amounts become shares
  rounding up, so a sender gives and a receiver gets between a and a + 1 wei);
- PLT: claimed + claimable = retired per holder; the PLT supply plus everything still
  claimable never exceeds the total retired, which exceeds the sum of the holders'
  retired amounts by less than one wei per holder (floor per holder).
"""

import ape
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import TOKEN, time_travel
from tests.contracts.tsdcm.conftest import CODE, DAY
from tests.utils import tsdcm_model as m
from tests.utils.tsdcm_model import WAD

N_HOLDERS = 4


@pytest.fixture
def machine(conversion, bond, feed, minter, report, accounts, chain, params, last_year):
    holders = [accounts[i] for i in (5, 6, 7, 8)]
    names = [h.address for h in holders]
    initial = [1_000 * TOKEN, 1 * TOKEN + 7, 333 * TOKEN + 1, 0]
    for h, amount in zip(holders, initial, strict=True):
        if amount:
            bond.mint(h, amount, sender=minter)
    receipt = report(last_year, 7_600, 350)
    # Start where the rule holds (the delay is over); time steps then make it stale.
    time_travel(chain, chain.blocks[receipt.block_number].timestamp + params.delay)
    feed_model = m.FeedModel(frequency=1)
    for i in range(feed.update_count(CODE)):
        feed_model.log.append(m.Entry(*feed.update_at(CODE, i)))
    maturity = bond.maturityDate()

    class ConversionMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            # Every transaction is mined at a time the machine chooses, so a replayed
            # example sees the same chain times (hypothesis needs determinism).
            self.clock = chain.blocks.head.timestamp
            self.bond = m.BondScaleModel()
            for n, amount in zip(names, initial, strict=True):
                if amount:
                    self.bond.mint(n, amount)
            self.expected = dict(zip(names, initial, strict=True))  # nominal position
            self.slack_down = dict.fromkeys(names, 0)
            self.slack_up = dict.fromkeys(names, 0)
            self.claimed = dict.fromkeys(names, 0)
            self.total_retired = 0

        def teardown(self):
            chain.restore(self.snapshot)

        def _next_block(self, seconds: int = 1) -> int:
            self.clock += seconds
            chain.pending_timestamp = self.clock
            return self.clock

        @rule(i=st.integers(0, N_HOLDERS - 1), amount=st.integers(1, 10_000 * TOKEN))
        def mint(self, i, amount):
            if self.clock + 1 >= maturity:
                return
            self._next_block()
            bond.mint(holders[i], amount, sender=minter)
            # a mint after the conversion converts to shares rounding up as well
            before = self.bond.balance_of(names[i])
            self.bond.mint(names[i], amount)
            self.expected[names[i]] += amount
            self.slack_up[names[i]] += self.bond.balance_of(names[i]) - before - amount

        @rule(
            src=st.integers(0, N_HOLDERS - 1),
            dst=st.integers(0, N_HOLDERS - 1),
            frac=st.sampled_from([0.0, 0.1, 0.5, 0.999, 1.0]),
            extra=st.integers(0, 3),
        )
        def transfer(self, src, dst, frac, extra):
            s, d = names[src], names[dst]
            amount = max(0, int(bond.balanceOf(holders[src]) * frac) - extra)
            self._next_block()
            if self.bond._to_shares_up(amount) > self.bond.shares.get(s, 0):
                with ape.reverts("bond: amount exceeds balance"):
                    bond.transfer(holders[dst], amount, sender=holders[src])
                return
            bond.transfer(holders[dst], amount, sender=holders[src])
            self.bond.transfer(s, d, amount)
            self.expected[s] -= amount
            self.expected[d] += amount
            if self.bond.converted and s != d:
                self.slack_down[s] += 1
                self.slack_up[d] += 1

        @rule(days=st.integers(1, 60))
        def advance_time(self, days):
            self._next_block(days * DAY)
            chain.mine()

        @rule(wait=st.integers(1, 5))
        def try_convert(self, wait):
            now = chain.blocks.head.timestamp
            view = m.rule(
                feed_model,
                params,
                now,
                bond_maturity=maturity,
                converted=self.bond.converted,
                supply=self.bond.total_supply,
            )
            assert conversion.check() == (view == m.OK, view, m.REASONS[view])
            at = self._next_block(wait)
            code = m.rule(
                feed_model,
                params,
                at,
                bond_maturity=maturity,
                converted=self.bond.converted,
                supply=self.bond.total_supply,
            )
            if code != m.OK:
                with ape.reverts(m.REASONS[code]):
                    conversion.convert(sender=holders[0])
                return
            receipt = conversion.convert(sender=holders[0])
            retired = self.bond.retire(params.alpha)
            assert receipt.return_value == retired == conversion.totalRetired()
            self.total_retired = retired
            for n in names:
                self.slack_down[n] += 1  # balance and retired are floored separately

        @precondition(lambda self: self.bond.converted)
        @rule(i=st.integers(0, N_HOLDERS - 1), by=st.integers(0, N_HOLDERS - 1))
        def claim(self, i, by):
            owed = self.bond.retired_of(names[i]) - self.claimed[names[i]]
            self._next_block()
            if owed == 0:
                with ape.reverts("tsdcm: nothing to claim"):
                    conversion.claim(holders[i], sender=holders[by])
                return
            assert conversion.claim(holders[i], sender=holders[by]).return_value == owed
            self.claimed[names[i]] += owed

        @precondition(lambda self: self.bond.converted)
        @rule(src=st.integers(0, N_HOLDERS - 1), dst=st.integers(0, N_HOLDERS - 1))
        def move_plt(self, src, dst):
            amount = conversion.balanceOf(holders[src]) // 3
            self._next_block()
            conversion.transfer(holders[dst], amount, sender=holders[src])

        @invariant()
        def consistent_and_conserved(self):
            converted = self.bond.converted
            # Bond: balances and supply equal the model's, bit for bit.
            for h, n in zip(holders, names, strict=True):
                assert bond.balanceOf(h) == self.bond.balance_of(n)
            assert bond.totalSupply() == self.bond.total_supply
            # No holder's position is created or lost (exact rounding bounds).
            for n in names:
                position = self.bond.balance_of(n) + self.bond.retired_of(n)
                low = self.expected[n] - self.slack_down[n]
                high = self.expected[n] + self.slack_up[n]
                assert low <= position <= high, (n, position, self.expected[n])
            if not converted:
                assert conversion.totalSupply() == 0
                return
            # Retired amounts and PLT: claimed + claimable = retired per holder.
            retired_sum = 0
            for h, n in zip(holders, names, strict=True):
                retired = self.bond.retired_of(n)
                assert bond.retired_of(h) == retired
                assert conversion.claimable(h) + self.claimed[n] == retired
                retired_sum += retired
            plt_supply = conversion.totalSupply()
            assert plt_supply == sum(self.claimed.values())
            assert plt_supply <= retired_sum <= self.total_retired
            # floor per holder: the dust is below one wei per holder
            assert self.total_retired - retired_sum < N_HOLDERS

    return ConversionMachine


def test_conversion_state_machine(machine):
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=6,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


# ------------------------------------------------------------------ payout --
def test_payout_property__pro_rata_top_ups_never_pay_more_than_funded(
    ready, bond, minter, verify, alice, bob, carol, usdc, admin, treasury, params, chain
):
    """Random partial fundings and redemptions (burn all, part or nothing) in any order:
    each redemption pays exactly the model's entitlement minus what was paid; the pool
    never pays more than it was funded; at full funding everyone who burned b PLT has
    received floor(b * Pi * denomination / 1e36)."""
    holders = [alice, bob, carol]
    verify(carol)
    bond.mint(carol, 3 * TOKEN + 7, sender=minter)  # an odd amount: rounding in play
    ready.convert(sender=alice)
    time_travel(chain, params.plt_maturity)
    ready.accrue(sender=alice)
    for h in holders:
        ready.claim(h, sender=h)
    usdc.mint(treasury, 10**9 * 10**6, sender=admin)
    usdc.approve(ready, 2**256 - 1, sender=treasury)
    retired, rate, denom, due = (
        ready.totalRetired(),
        ready.payoutRate(),
        ready.denomination(),
        ready.payoutDue(),
    )
    plt = {h.address: ready.balanceOf(h) for h in holders}
    assert due == m.payout_due(retired, rate, denom) > 0

    step = st.one_of(
        st.tuples(st.just("fund"), st.integers(1, 100)),
        st.tuples(st.sampled_from(range(len(holders))), st.sampled_from([0, 1, 2])),
    )

    @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
    @given(plan=st.lists(step, min_size=2, max_size=7))
    def run(plan):
        snapshot = chain.snapshot()
        try:
            funded, paid_total = 0, 0
            burned = dict.fromkeys(plt, 0)
            paid = dict.fromkeys(plt, 0)
            for what, arg in [*plan, ("fund", 100), (0, 2), (1, 2), (2, 2)]:
                if what == "fund":
                    amount = (due - funded) * arg // 100
                    if amount == 0:
                        continue
                    ready.fund_payout(amount, sender=treasury)
                    funded += amount
                    continue
                who = holders[what].address
                burn = [0, (plt[who] - burned[who]) // 2, plt[who] - burned[who]][arg]
                owed = (
                    m.entitlement(burned[who] + burn, funded, retired, rate, denom) - paid[who]
                    if funded
                    else 0
                )
                if owed == 0:
                    reason = "tsdcm: nothing to redeem" if funded else "tsdcm: payout not funded"
                    with ape.reverts(reason):
                        ready.redeem(burn, sender=holders[what])
                    continue
                assert ready.redeem(burn, sender=holders[what]).return_value == owed
                burned[who] += burn
                paid[who] += owed
                paid_total += owed
                assert paid_total <= funded
                assert usdc.balanceOf(ready) == funded - paid_total
            assert funded == due
            for who in plt:
                assert paid[who] == plt[who] * rate * denom // (WAD * TOKEN)
            assert due - paid_total < len(holders) + 1  # ceil(due) and one floor per holder
        finally:
            chain.restore(snapshot)

    run()
