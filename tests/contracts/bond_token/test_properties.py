"""Property tests: BondToken coupons against the pure-Python reference model.

A hypothesis state machine drives random mints, transfers, time jumps across
coupon dates, full/partial/top-up fundings and claims on the real contract
(Anvil) and on `tests.utils.bond_model.BondModel`, and checks after every step:

- every claim pays exactly the model's pro-rata entitlement minus what was paid;
- the contract never pays out more than it was funded, per period and in total;
- the stablecoin held by the contract equals funded - paid (nothing lost or
  created), and the rounding dust of a fully claimed period is below one
  stablecoin unit per holder of that record (never credited twice).
"""

import ape
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.conftest import TOKEN
from tests.utils.bond_model import BondModel

N_HOLDERS = 4


def _block_ts(chain, receipt) -> int:
    return chain.blocks[receipt.block_number].timestamp


@pytest.fixture
def machine(bond, usdc, minter, funded_agent, verify, accounts, chain):
    holders = [accounts[i] for i in (5, 6, 7, 8)]
    verify(*holders[1:])  # holders[0] is never verified: its coupons must wait

    dates = [bond.coupon_period(k)[0] for k in range(1, bond.periodCount() + 1)]
    coupons = [bond.coupon_period(k)[1] for k in range(1, bond.periodCount() + 1)]

    class CouponMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.model = BondModel(dates=dates, coupons=coupons)
            self.paid_total = 0

        def teardown(self):
            chain.restore(self.snapshot)

        def _names(self, i):
            return holders[i].address

        @rule(i=st.integers(0, N_HOLDERS - 1), amount=st.integers(1, 1_000 * TOKEN))
        def mint(self, i, amount):
            if chain.pending_timestamp >= dates[-1]:
                return
            r = bond.mint(holders[i], amount, sender=minter)
            self.model.mint(self._names(i), amount, _block_ts(chain, r))

        @rule(
            src=st.integers(0, N_HOLDERS - 1),
            dst=st.integers(0, N_HOLDERS - 1),
            frac=st.floats(0, 1),
        )
        def transfer(self, src, dst, frac):
            bal = bond.balanceOf(holders[src])
            amount = int(bal * frac)
            r = bond.transfer(holders[dst], amount, sender=holders[src])
            self.model.transfer(self._names(src), self._names(dst), amount, _block_ts(chain, r))

        @rule(days=st.integers(1, 400))
        def advance_time(self, days):
            chain.pending_timestamp = chain.pending_timestamp + days * 86_400
            chain.mine()

        @rule(k=st.integers(1, 10), frac=st.sampled_from([0.0, 0.25, 0.5, 1.0]))
        def fund(self, k, frac):
            if k > bond.due_periods():
                return
            bond.roll(sender=funded_agent)
            _, due, funded = bond.coupon_record(k)
            amount = max(1, int((due - funded) * frac)) if due > funded else 0
            if amount == 0:
                with ape.reverts():
                    bond.fund_coupon(k, 1, sender=funded_agent)
                return
            r = bond.fund_coupon(k, amount, sender=funded_agent)
            self.model.fund(k, amount, _block_ts(chain, r))

        @precondition(lambda self: self.model.recorded > 0)
        @rule(i=st.integers(1, N_HOLDERS - 1), a=st.integers(1, 10), b=st.integers(0, 9))
        def claim(self, i, a, b):
            recorded = self.model.recorded
            first = min(a, recorded)
            last = min(first + b, recorded)
            who = self._names(i)
            expected = self.model.claimable(who, first, last)
            assert bond.claimable_coupons(holders[i], first, last) == expected
            if expected == 0:
                with ape.reverts("bond: nothing to claim"):
                    bond.claim_coupons(first, last, sender=holders[i])
                return
            r = bond.claim_coupons(first, last, sender=holders[i])
            got = self.model.claim(who, first, last, _block_ts(chain, r))
            assert r.return_value == got == expected
            self.paid_total += got

        @rule()
        def unverified_holder_claim_reverts(self):
            if self.model.recorded == 0:
                return
            with ape.reverts("bond: holder not verified"):
                bond.claim_coupons(1, 1, sender=holders[0])

        @invariant()
        def conservation(self):
            assert bond.totalCouponPaid() == self.paid_total
            assert bond.totalCouponFunded() == sum(self.model.funded.values())
            assert usdc.balanceOf(bond) == bond.totalCouponFunded() - bond.totalCouponPaid()

        @invariant()
        def never_pays_more_than_funded_and_dust_bounded(self):
            for k in range(1, self.model.recorded + 1):
                paid = self.model.paid_for(k)
                funded = self.model.funded[k]
                assert paid <= funded
                entitled = sum(self.model.entitlement(h, k) for h in self.model.record_balances[k])
                assert entitled <= funded
                # floor() loses < 1 unit per holder of the record
                assert funded - entitled <= len(self.model.record_balances[k])

        @invariant()
        def balances_match(self):
            for i in range(N_HOLDERS):
                assert bond.balanceOf(holders[i]) == self.model.balances.get(self._names(i), 0)
            assert bond.totalSupply() == self.model.supply

    return CouponMachine


def test_coupon_state_machine(machine):
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
