"""Hypothesis state machine: the Escrow on Anvil against the pure-Python model (model.py).

Every example deploys a fresh round with drawn parameters (including a bond whose
denomination does not divide 10**18, so the commitment unit is 3 stablecoin units). Then
it runs random commits, payments, cancels, time jumps (with the exact deadline
boundaries), settlements, withdrawals, claims, batches, and USDC or Whitelist blacklists
and pauses. Each step runs on both the chain and the model: the same calls must revert
for the same reason, and views, totals and balances must match after every step.
Conservation: the escrow's stablecoin balance always equals what investors paid minus
what left it. Once the round is over, every unit is either with the custodian (or
reserved for it until `settle`) or withdrawable.

Every action runs at a timestamp the test chooses, so the model knows the exact
`block.timestamp` of each call. An action the model expects to succeed is sent as a real
transaction. One it expects to revert is simulated with `eth_call` on a block mined at
that timestamp: ape's handling of a reverted transaction costs ~250 ms, and a revert
changes no state. If the chain disagrees with the model either way, the test fails.
Views are read with raw `eth_call`s (rawcall.py) for the same reason. Each example
starts from a chain snapshot and restores it at teardown.
"""

from __future__ import annotations

from ape.exceptions import ContractLogicError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import DAY, USDC
from tests.contracts.escrow.conftest import FUNDS
from tests.contracts.escrow.model import (
    DECIDED,
    SUCCEEDED,
    Environment,
    EscrowModel,
    Revert,
    RoundParams,
)
from tests.contracts.escrow.rawcall import CallReverted, RawContract

MAX_UINT = 2**256 - 1
# ABI signatures of the Escrow functions the machine drives.
SIGNATURES = {
    "commit": "commit(uint256)",
    "fulfil": "fulfil(uint256)",
    "cancel": "cancel(string)",
    "settle": "settle()",
    "withdraw": "withdraw()",
    "claim": "claim()",
    "process_batch": "process_batch(address[])",
}
# Fixed gas and zero fees (Anvil runs with base fee 0): saves ape's estimate and fee lookups.
FAST_TX = {"gas": 6_000_000, "max_priority_fee": 0, "max_fee": 0}
POSITION = ("uint256", "uint256", "uint256", "bool", "bool", "uint256", "uint256")
TOTALS = ("uint256",) * 9
DEADLINE_OFFSETS = {"deadline - 1": -1, "deadline": 0, "deadline + 1": 1}
SETTLE_BY_OFFSETS = {"settle_by - 1": -1, "settle_by": 0}
WARPS = [*DEADLINE_OFFSETS, "hour", "days", *SETTLE_BY_OFFSETS]
# Action mix, weighted by repetition: investing while the round is live, payouts after.
ACTIONS_LIVE = (
    ["invest"] * 4
    + ["commit"] * 3
    + ["fulfil"] * 3
    + ["warp"] * 2
    + ["toggle", "cancel", "withdraw", "claim", "settle", "finish"]
)
ACTIONS_OVER = (
    ["withdraw"] * 3
    + ["claim"] * 3
    + ["process_batch"] * 4
    + ["toggle"] * 3
    + ["settle"] * 2
    + ["commit", "fulfil", "cancel", "warp"]
)
COMMIT_KINDS = ["share"] * 4 + ["ticket", "remaining", "over", "tiny", "odd"]
# Commitment as % of T (hypothesis' integers favour tiny values, below the minimum ticket).
SHARES = st.sampled_from([10, 25, 40, 5, 15, 30, 1])
SWITCHES = ["usdc blacklist", "usdc blacklist", "usdc pause", "whitelist block"]


def test_escrow_matches_model(
    chain,
    project,
    admin,
    issuer,
    compliance,
    custodian,
    attacker,
    alice,
    bob,
    carol,
    verify,
    whitelist,
    usdc,
    bond,
    odd_bond,
    escrow_args,
):
    verify(alice, bob, carol)
    people = [alice, bob, carol, attacker]
    for a in people:
        usdc.mint(a, FUNDS, sender=admin)
    supply_before = {b.address: b.totalSupply() for b in (bond, odd_bond)}
    # The attacker never passes KYC; it acts less often than the three investors.
    investor = st.sampled_from([alice, bob, carol] * 3 + [attacker])
    names = {
        a.address: n for a, n in zip(people, ["alice", "bob", "carol", "attacker"], strict=True)
    }

    class EscrowMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.now = chain.blocks.head.timestamp + 1
            self.escrow = None

        def teardown(self) -> None:
            chain.restore(self.snapshot)

        # ----------------------------------------------------------- helpers --
        def send(self, fn):
            """Mine `fn`'s transaction at exactly `self.now`, then move the clock by 1 s."""
            chain.pending_timestamp = self.now
            try:
                return fn()
            finally:
                self.now += 1

        def act(self, model_action, method, *args, sender):
            """Run one Escrow action on the model and on the chain; they must agree.

            Returns (model result, receipt) on success, (None, None) on an agreed revert.
            """
            try:
                expected = model_action()
            except Revert as err:
                # Expected revert: simulate at exactly `now` (in a block mined at `now`).
                self.send(chain.mine)
                try:
                    self.raw.call(SIGNATURES[method], *args, sender=sender.address, returns=())
                    got = None
                except CallReverted as reverted:
                    got = reverted.reason
                assert got == err.reason, f"{method}: chain {got!r}, model {err.reason!r}"
                return None, None
            try:
                receipt = self.send(
                    lambda: getattr(self.escrow, method)(*args, sender=sender, **FAST_TX)
                )
            except ContractLogicError as err:
                raise AssertionError(f"{method}: chain reverted {err.message!r}") from err
            return expected, receipt

        # ------------------------------------------------------------- setup --
        @initialize(
            odd=st.booleans(),
            target_units=st.integers(1, 40),
            initial_bps=st.sampled_from([1_000, 2_500, 10_000, 1]),
            activation_frac=st.sampled_from([2, 1, 4]),
            ticket_frac=st.sampled_from([20, 50, 10]),
            raise_frac=st.sampled_from([0, 2, 4, 1]),
            duration=st.sampled_from([0, 7 * DAY]),
        )
        def deploy(
            self, odd, target_units, initial_bps, activation_frac, ticket_frac, raise_frac, duration
        ):
            the_bond = odd_bond if odd else bond
            # T in [300, 12_000] USDC for the odd bond (a multiple of its unit, 3),
            # [100, 4_000] USDC otherwise.
            target = target_units * (300 if odd else 100) * USDC
            params = {
                "bond": the_bond,
                "target": target,
                "initial_bps": initial_bps,
                "activation_bps": max(1, initial_bps // activation_frac),
                "min_ticket": max(1, target // ticket_frac),
                "duration": duration,
                "min_raise": target // raise_frac if raise_frac else 0,
            }
            self.bond = the_bond
            self.escrow = self.send(lambda: admin.deploy(project.Escrow, *escrow_args(**params)))
            opened_at = self.now - 1
            self.send(lambda: the_bond.grantRole(the_bond.MINTER_ROLE(), self.escrow, sender=admin))
            for a in people:
                self.send(lambda a=a: usdc.approve(self.escrow, MAX_UINT, sender=a))
            self.og = project.OGNFT.at(self.escrow.OG_NFT())
            self.raw = RawContract(chain.provider, self.escrow)
            self.raw_usdc = RawContract(chain.provider, usdc)
            self.raw_bond = RawContract(chain.provider, the_bond)
            self.raw_og = RawContract(chain.provider, self.og)
            self.model = EscrowModel(
                RoundParams(
                    target=target,
                    initial_bps=initial_bps,
                    activation_bps=params["activation_bps"],
                    min_ticket=params["min_ticket"],
                    min_raise_arg=params["min_raise"],
                    opened_at=opened_at,
                    duration_arg=duration,
                    denomination=the_bond.denomination(),
                ),
                Environment(
                    escrow=self.escrow.address,
                    custodian=custodian.address,
                    issuer=issuer.address,
                    verified={alice.address, bob.address, carol.address},
                ),
            )
            assert self.escrow.DEADLINE() == self.model.p.deadline
            assert self.escrow.SETTLE_BY() == self.model.p.settle_by
            assert self.escrow.UNIT() == self.model.p.unit == (3 if odd else 1)
            self.usdc_start = {a.address: usdc.balanceOf(a) for a in people}
            self.custodian_start = usdc.balanceOf(custodian)

        # ------------------------------------------------------------- rules --
        @rule(data=st.data())
        def step(self, data):
            """One action, drawn from ACTIONS_LIVE or ACTIONS_OVER by the round's phase.

            A single dispatching rule instead of one rule per action: with a budget of ten
            examples, hypothesis' per-rule selection spends most of them repeating one rule.
            """
            live = self.model.outcome(self.now) not in DECIDED
            action = data.draw(st.sampled_from(ACTIONS_LIVE if live else ACTIONS_OVER), "action")
            getattr(self, action)(data)

        def commit(self, data):
            who = data.draw(investor, label="who")
            kind = data.draw(st.sampled_from(COMMIT_KINDS), label="kind")
            fraction = data.draw(SHARES, label="fraction")
            self.do_commit(who, kind, fraction)

        def do_commit(self, who, kind: str, fraction: int) -> None:
            p, m = self.model.p, self.model
            remaining = p.target - m.committed_total
            unit = p.unit
            amount = {
                "share": max(unit, p.target * fraction // 100 // unit * unit),
                "ticket": -(-p.min_ticket // unit) * unit,
                "remaining": remaining,
                "over": remaining + unit * fraction,
                "tiny": unit,
                "odd": unit * fraction + (1 if unit > 1 else 0),
            }[kind]
            self.act(lambda: m.commit(who.address, amount, self.now), "commit", amount, sender=who)

        def fulfil(self, data):
            who = data.draw(investor, label="who")
            kind = data.draw(st.sampled_from(["all", "half", "over", "one", "zero"]), label="kind")
            self.do_fulfil(who, kind)

        def do_fulfil(self, who, kind: str) -> None:
            m = self.model
            pos = m.positions.get(who.address)
            outstanding = pos.committed - pos.paid if pos else 0
            amount = {
                "all": outstanding,
                "half": outstanding // 2,
                "over": outstanding + 7,
                "one": 1,
                "zero": 0,
            }[kind]
            self.act(lambda: m.fulfil(who.address, amount, self.now), "fulfil", amount, sender=who)

        def invest(self, data):
            """The common investor: commit a share of T, then pay the rest at once."""
            who = data.draw(investor, label="who")
            fraction = data.draw(SHARES, label="fraction")
            self.do_commit(who, "share", fraction)
            self.do_fulfil(who, "all")

        def cancel(self, data):
            who = data.draw(st.sampled_from([issuer, issuer, attacker]), label="who")
            self.act(lambda: self.model.cancel(who.address, self.now), "cancel", "t", sender=who)

        def warp(self, data):
            where = data.draw(st.sampled_from(WARPS), label="where")
            self.do_warp(where)

        def do_warp(self, where: str) -> None:
            if where in DEADLINE_OFFSETS:
                target = self.model.p.deadline + DEADLINE_OFFSETS[where]
            elif where in SETTLE_BY_OFFSETS:
                target = self.model.p.settle_by + SETTLE_BY_OFFSETS[where]
            else:
                target = self.now + (3_600 if where == "hour" else 5 * DAY)
            # Chain time only moves forward: the next transaction is mined at `now`.
            self.now = max(self.now, target)

        def settle(self, data):
            self.do_settle(data.draw(st.sampled_from([attacker, issuer]), label="who"))

        def do_settle(self, who) -> None:
            self.act(lambda: self.model.settle(self.now), "settle", sender=who)

        def withdraw(self, data):
            who = data.draw(st.sampled_from(people), label="who")
            self.act(lambda: self.model.withdraw(who.address, self.now), "withdraw", sender=who)

        def claim(self, data):
            who = data.draw(st.sampled_from(people), label="who")
            self.act(lambda: self.model.claim(who.address, self.now), "claim", sender=who)

        def process_batch(self, data):
            batch = data.draw(st.lists(st.sampled_from(people + [custodian]), max_size=6), "batch")
            self.do_process_batch(batch)

        def do_process_batch(self, batch) -> None:
            addresses = [a.address for a in batch]
            result, receipt = self.act(
                lambda: self.model.process_batch(addresses, self.now),
                "process_batch",
                addresses,
                sender=attacker,
            )
            if receipt is not None:
                done, skipped = result
                names_logged = [e.event_name for e in receipt.events]
                assert names_logged.count("Withdrawn") + names_logged.count("Claimed") == done
                assert names_logged.count("PositionSkipped") == skipped

        def finish(self, data):
            """The keeper's end of round: at the deadline, settle, then serve everyone."""
            self.do_warp(data.draw(st.sampled_from(list(DEADLINE_OFFSETS)), label="at"))
            self.do_settle(attacker)
            self.do_process_batch(people)

        def toggle(self, data):
            """Flip one outside condition: USDC blacklist or pause, or a Whitelist sanction."""
            switch = data.draw(st.sampled_from(SWITCHES), label="switch")
            who = data.draw(st.sampled_from(people), label="who")
            env = self.model.env
            if switch == "usdc pause":
                self.send(lambda: (usdc.unpause if env.usdc_paused else usdc.pause)(sender=admin))
                env.usdc_paused = not env.usdc_paused
            elif switch == "usdc blacklist":
                if who.address in env.usdc_blacklisted:
                    self.send(lambda: usdc.unBlacklist(who, sender=admin))
                    env.usdc_blacklisted.discard(who.address)
                else:
                    self.send(lambda: usdc.blacklist(who, sender=admin))
                    env.usdc_blacklisted.add(who.address)
            elif who.address in env.blocked:
                self.send(lambda: whitelist.unblacklist(who, sender=compliance))
                env.blocked.discard(who.address)
            else:
                self.send(lambda: whitelist.blacklist(who, "test", sender=compliance))
                env.blocked.add(who.address)

        # -------------------------------------------------------- invariants --
        @invariant()
        def chain_matches_model(self):
            """One invariant (so the views are read once per step), four properties."""
            if self.escrow is None:
                return
            m, raw = self.model, self.raw
            head = chain.blocks.head.timestamp
            phase = m.outcome(head)

            # 1. Views: phase, totals, positions and time left are the model's.
            assert raw.call("phase()") == phase
            assert raw.call("settled()", returns=("bool",)) == (m.stored in DECIDED)
            assert raw.call("totals()", returns=TOTALS) == m.totals_view()
            assert raw.call("time_left()") == max(0, m.p.deadline - head)
            positions = {
                a.address: raw.call("position(address)", a, returns=POSITION) for a in people
            }
            for a in people:
                assert positions[a.address] == m.position_view(a.address, head), names[a.address]

            # 2. Conservation: escrow balance = paid in - refunds - sent to the custodian.
            flows = m.flows
            held = self.balance(self.escrow)
            sent = self.balance(custodian) - self.custodian_start
            assert held == flows.held
            assert sent == flows.to_custodian
            for a in people:
                pos = m.positions.get(a.address)
                if pos is not None:
                    expected = self.usdc_start[a.address] - pos.paid + pos.refunded
                    assert self.balance(a) == expected, names[a.address]

            # 3. Bonds: minted token wei = claimed units * 10**18 / denomination, exactly.
            minted = self.raw_bond.call("totalSupply()") - supply_before[self.bond.address]
            assert minted == flows.tokens_minted
            assert minted * m.p.denomination == m.claimed_total * 10**18
            assert self.raw_og.call("totalSupply()") == flows.og_minted

            # 4. After the round: every unit is with the custodian (or reserved for it
            #    until `settle`) or withdrawable by an investor.
            if phase in DECIDED:
                withdrawable = sum(p[5] for p in positions.values())
                if phase == SUCCEEDED:
                    reserved = 0 if m.stored == SUCCEEDED else m.raised
                    assert held == withdrawable + reserved
                    assert sent + reserved == m.raised
                else:
                    assert held == withdrawable
                    assert sent == 0

        def balance(self, account) -> int:
            return self.raw_usdc.call("balanceOf(address)", account)

    run_state_machine_as_test(
        EscrowMachine,
        settings=settings(
            max_examples=10,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
