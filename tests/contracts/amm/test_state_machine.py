"""Stateful differential test of SteadyAMM against the reference model, with invariants.

Hypothesis drives random sequences of buys and sells (by two traders), liquidity added
and removed (by two LPs), oracle moves, time jumps across coupon dates (with and without
a fresh oracle price) and coupon funding + collection. Every step is first run on
``tests/utils/amm_model.py``; the contract must then do exactly the same thing (same
amounts, same reserves, or the same revert reason). After every step:

- k never decreases except by withdrawals, and k / S**2 (value per share squared) never
  decreases at all;
- no trade ends outside the band unless it moved the price toward it;
- every LP can withdraw its share now (an eth_call of remove_liquidity succeeds and pays
  exactly its pro-rata part);
- the pool is solvent: it holds at least its tracked bond reserve and stablecoin cash.

Each example starts from the same chain state (``chain.snapshot()`` / ``restore()``).
"""

from __future__ import annotations

import ape
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import DAY, TOKEN
from tests.utils.amm_model import AmmRevert, SteadyAMMModel

from .conftest import DEADLINE, MAX_UINT

SETTINGS = settings(
    max_examples=10,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class PoolMachine(RuleBasedStateMachine):
    """Set as class attributes by the test: ctx (dict of fixtures), base_model (factory)."""

    ctx: dict
    base_model: object

    def __init__(self) -> None:
        super().__init__()
        c = self.ctx
        self.chain = c["chain"]
        self.snapshot = self.chain.snapshot()
        self.amm, self.feed, self.bond, self.usdc = c["amm"], c["feed"], c["bond"], c["usdc"]
        self.model: SteadyAMMModel = self.base_model()
        self.now = self.chain.blocks.head.timestamp
        self.traders = [c["alice"], c["bob"]]
        self.lps = [c["lp"], c["bob"]]
        self.k_before = self.model.k
        self.supply_before = self.model.supply
        self.last_op = "start"
        self.last_trade: tuple[str, int, int, int, int] | None = None
        self.next_coupon = 1  # first coupon period not yet funded and collected
        self.x_at_record: dict[int, int] = {}

    def teardown(self) -> None:
        self.chain.restore(self.snapshot)

    # -------------------------------------------------------------------- helpers --
    def _at(self, seconds: int = 13) -> int:
        """Timestamp of the next transaction (strictly increasing)."""
        self.now += seconds
        self._note_record_dates()
        self.chain.pending_timestamp = self.now
        return self.now

    def _note_record_dates(self) -> None:
        """Remember the pool's bond balance at each coupon date passed (record date)."""
        for p in self.model.bond.table:
            if p.end_ts <= self.now and p.index not in self.x_at_record:
                self.x_at_record[p.index] = self.model.x

    def _begin(self, op: str) -> None:
        self.k_before, self.supply_before = self.model.k, self.model.supply
        self.last_op, self.last_trade = op, None

    def _run(self, predict, send):
        """Run `predict()` on the model; the chain must match its result or revert reason."""
        try:
            expected = predict()
        except AmmRevert as err:
            with ape.reverts(err.reason):
                send()
            return None
        receipt = send()
        return expected, receipt

    # ---------------------------------------------------------------------- rules --
    @initialize(days=st.integers(100, 181))
    def start_late_in_period_one(self, days):
        """Start 100-181 days into the first coupon period (~182 days), fresh price, so that
        time jumps often cross the first coupon date (early-period trades: unit tests)."""
        ts = self._at(days * DAY + 1)
        self.feed.submit(self.model.answer, ts, sender=self.ctx["reporter"])
        self.model.set_oracle(self.model.answer, ts)

    @rule(who=st.integers(0, 1), amount=st.integers(10**15, 40 * TOKEN))
    def buy(self, who, amount):
        self._begin("buy")
        trader, ts = self.traders[who], self._at()
        before = (self.model.x, self.model.y)
        out = self._run(
            lambda: self.model.buy(amount, MAX_UINT, ts),
            lambda: self.amm.buy(amount, MAX_UINT, trader, DEADLINE, sender=trader),
        )
        if out:
            (clean, accrued, dirty), receipt = out
            assert receipt.return_value == dirty
            event = self.amm.Buy.from_receipt(receipt)[0]
            assert (event.clean_in, event.accrued_in) == (clean, accrued)
            self.last_trade = ("buy", *before, self.model.x, self.model.y)

    @rule(who=st.integers(0, 1), amount=st.integers(10**15, 40 * TOKEN))
    def sell(self, who, amount):
        self._begin("sell")
        trader, ts = self.traders[who], self._at()
        before = (self.model.x, self.model.y)
        out = self._run(
            lambda: self.model.sell(amount, 0, ts),
            lambda: self.amm.sell(amount, 0, trader, DEADLINE, sender=trader),
        )
        if out:
            (clean, accrued, dirty), receipt = out
            assert receipt.return_value == dirty
            event = self.amm.Sell.from_receipt(receipt)[0]
            assert (event.clean_out, event.accrued_out) == (clean, accrued)
            self.last_trade = ("sell", *before, self.model.x, self.model.y)

    @rule(who=st.integers(0, 1), amount=st.integers(10**15, 200 * TOKEN))
    def add_liquidity(self, who, amount):
        self._begin("add")
        lp, ts = self.lps[who], self._at()
        out = self._run(
            lambda: self.model.add_liquidity(lp.address, amount, ts),
            lambda: self.amm.add_liquidity(amount, MAX_UINT, 0, lp, DEADLINE, sender=lp),
        )
        if out:
            (stable_in, shares), receipt = out
            assert receipt.return_value == shares
            assert self.amm.AddLiquidity.from_receipt(receipt)[0].stable_in == stable_in

    @precondition(lambda self: any(self.model.shares.get(a.address) for a in self.lps))
    @rule(who=st.integers(0, 1), fraction=st.integers(1, 100))
    def remove_liquidity(self, who, fraction):
        self._begin("remove")
        holders = [a for a in self.lps if self.model.shares.get(a.address)]
        lp = holders[who % len(holders)]
        shares = self.model.shares.get(lp.address, 0) * fraction // 100
        self._at()
        out = self._run(
            lambda: self.model.remove_liquidity(lp.address, shares),
            lambda: self.amm.remove_liquidity(shares, 0, 0, lp, DEADLINE, sender=lp),
        )
        if out:
            expected, receipt = out
            assert tuple(receipt.return_value) == expected

    @rule(move_bps=st.integers(-800, 800))
    def oracle_moves(self, move_bps):
        self._begin("oracle")
        answer = self.model.answer * (10_000 + move_bps) // 10_000
        ts = self._at()
        self.feed.submit(answer, ts, sender=self.ctx["reporter"])
        self.model.set_oracle(answer, ts)

    @rule(days=st.integers(1, 90), fresh=st.booleans())
    def time_passes(self, days, fresh):
        """Jump ahead (often across a coupon date); with `fresh`, the keeper pushes a price."""
        self._begin("time")
        ts = self._at(days * DAY)
        if fresh and ts < self.model.bond.maturity_ts:
            self.feed.submit(self.model.answer, ts, sender=self.ctx["reporter"])
            self.model.set_oracle(self.model.answer, ts)
        else:
            self.chain.mine()

    @precondition(lambda self: self.next_coupon in self.x_at_record)
    @rule()
    def coupon_funded_and_collected(self):
        """The paying agent funds every passed coupon in full; anyone collects the pool's."""
        self._begin("coupon")
        agent = self.ctx["paying_agent"]
        self.bond.roll(sender=agent)
        k = self.next_coupon
        _, due, _ = self.bond.coupon_record(k)
        self.usdc.mint(agent, due, sender=self.ctx["admin"])
        self.usdc.approve(self.bond, due, sender=agent)
        self.bond.fund_coupon(k, due, sender=agent)
        # The pool's entitlement: its balance at the record date, pro rata of the funding.
        expected = self.x_at_record[k] * due // self.bond.totalSupply()
        self._at()
        if expected > 0:
            receipt = self.amm.collect_coupons(k, k, sender=self.ctx["attacker"])
            assert receipt.return_value == expected
            self.model.collect(expected)
        self.next_coupon += 1

    # ----------------------------------------------------------------- invariants --
    @invariant()
    def matches_model_and_solvent(self):
        x, y, cash = self.amm.reserves()
        assert (x, y, cash) == (self.model.x, self.model.y, self.model.cash)
        assert self.amm.totalSupply() == self.model.supply
        # Solvent: holds at least what it owes.
        assert self.bond.balanceOf(self.amm) >= x
        assert self.usdc.balanceOf(self.amm) >= cash

    @invariant()
    def k_never_decreases_except_by_withdrawals(self):
        k, supply = self.model.k, self.model.supply
        if self.last_op != "remove":
            assert k >= self.k_before
        # Per share, not even withdrawals decrease it (rounding favours the pool).
        assert k * self.supply_before**2 >= self.k_before * supply**2

    @invariant()
    def trades_end_in_band_or_moved_toward_it(self):
        if self.last_trade is None:
            return
        side, x0, y0, x1, y1 = self.last_trade
        if self.model.in_band(x1, y1):
            return
        # Outside the band after the trade: only allowed if the price moved toward the band
        # (a buy raises the price, so it must end below P_min; a sell above P_max).
        rose = y1 * x0 > y0 * x1
        if side == "buy":
            assert rose and not self._above_band(x1, y1)
        else:
            assert not rose and self._above_band(x1, y1)

    def _above_band(self, x: int, y: int) -> bool:
        m = self.model
        lhs = y * m.par_answer * TOKEN * 10_000
        return lhs > (10_000 + m.band_bps) * m.answer * m.bond.denomination * x

    @invariant()
    def lps_can_withdraw_their_share(self):
        for lp in {a.address: a for a in self.lps}.values():
            shares = self.model.shares.get(lp.address, 0)
            if shares == 0:
                continue
            got = self.amm.remove_liquidity.call(shares, 0, 0, lp, DEADLINE, sender=lp)
            assert tuple(got) == self.model.quote_remove(shares)


def test_pool__random_operations__match_model_and_keep_invariants(
    chain, amm, feed, bond, usdc, model_bond, model, alice, bob, lp, reporter,
    paying_agent, admin, attacker,
):  # fmt: skip
    snapshot_model = (model.x, model.y, model.cash, model.supply, dict(model.shares))

    def base_model() -> SteadyAMMModel:
        m = SteadyAMMModel(
            model_bond,
            fee_bps=model.fee_bps,
            band_bps=model.band_bps,
            max_oracle_age=model.max_oracle_age,
        )
        m.x, m.y, m.cash, m.supply, shares = snapshot_model
        m.shares = dict(shares)
        m.set_oracle(model.answer, model.updated_at)
        return m

    class Machine(PoolMachine):
        pass

    Machine.ctx = {
        "chain": chain,
        "amm": amm,
        "feed": feed,
        "bond": bond,
        "usdc": usdc,
        "alice": alice,
        "bob": bob,
        "lp": lp,
        "reporter": reporter,
        "paying_agent": paying_agent,
        "admin": admin,
        "attacker": attacker,
    }
    Machine.base_model = staticmethod(base_model)
    run_state_machine_as_test(Machine, settings=SETTINGS)
