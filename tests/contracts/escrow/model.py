"""Pure-Python reference model of contracts/Escrow.vy's accounting and phases.

Bit-exact with the contract: the same integer formulas, the same order of checks and the
same revert strings, so a test can run one action on both and compare the outcome,
including *which* check failed. Every public action is transactional: if it raises
:class:`Revert`, the model is left exactly as before, like a reverted transaction (the
lazy FAILED record that `withdraw`/`process_batch` make is undone too).

The outside world the Escrow talks to (KYC registry, USDC blacklist and pause, bond mint
conditions) is an :class:`Environment` that the caller keeps in sync with the chain.

Units: stablecoin units (USDC: 10**-6) for money, token wei (10**-18) for bond tokens,
bps for shares, unix seconds for time.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field

OPEN, ACTIVE, SUCCEEDED, FAILED, CANCELLED = 1, 2, 4, 8, 16
LIVE = (OPEN, ACTIVE)
DECIDED = (SUCCEEDED, FAILED, CANCELLED)
MAX_BPS = 10_000
TOKEN = 10**18
DEFAULT_DURATION = 90 * 86_400
SETTLEMENT_WINDOW = 30 * 86_400

USDC_PAUSED = "Pausable: paused"
USDC_BLACKLISTED = "Blacklistable: account is blacklisted"


class Revert(Exception):
    """The contract would revert with `reason`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def commitment_unit(denomination: int) -> int:
    """denomination / gcd(denomination, 10**18): strip up to 18 factors of 2 and of 5."""
    unit = denomination
    for prime in (2, 5):
        for _ in range(18):
            if unit % prime:
                break
            unit //= prime
    return unit


@dataclass(frozen=True)
class RoundParams:
    target: int  # T, stablecoin units
    initial_bps: int
    activation_bps: int
    min_ticket: int  # stablecoin units
    min_raise_arg: int  # constructor argument: 0 means T
    opened_at: int  # unix s
    duration_arg: int  # constructor argument [s]: 0 means 90 days
    denomination: int  # stablecoin units per bond token

    @property
    def min_raise(self) -> int:
        return self.min_raise_arg or self.target

    @property
    def deadline(self) -> int:
        return self.opened_at + (self.duration_arg or DEFAULT_DURATION)

    @property
    def settle_by(self) -> int:
        return self.deadline + SETTLEMENT_WINDOW

    @property
    def unit(self) -> int:
        return commitment_unit(self.denomination)

    @property
    def activation_amount(self) -> int:
        # ceil(T * ACTIVATION_BPS / MAX_BPS)
        return ceil_div(self.target * self.activation_bps, MAX_BPS)

    def initial_payment(self, amount: int) -> int:
        # ceil(amount * INITIAL_SHARE_BPS / MAX_BPS)
        return ceil_div(amount * self.initial_bps, MAX_BPS)

    def tokens_for(self, amount: int) -> int:
        return amount * TOKEN // self.denomination


@dataclass
class Environment:
    """What the Escrow's external calls will find on chain."""

    escrow: str
    custodian: str
    issuer: str
    verified: set[str] = field(default_factory=set)  # Whitelist.is_verified
    blocked: set[str] = field(default_factory=set)  # Whitelist.is_blocked
    usdc_blacklisted: set[str] = field(default_factory=set)
    usdc_paused: bool = False
    is_minter: bool = True  # the escrow holds the bond's MINTER_ROLE
    bond_paused: bool = False

    def is_verified(self, who: str) -> bool:
        return who in self.verified and who not in self.blocked

    def usdc_error(self, sender: str, receiver: str) -> str | None:
        """Why MockUSDC would reject a transfer or transferFrom (balances assumed enough)."""
        if self.usdc_paused:
            return USDC_PAUSED
        if sender in self.usdc_blacklisted or receiver in self.usdc_blacklisted:
            return USDC_BLACKLISTED
        return None

    def mint_error(self, to: str) -> str | None:
        """Why BondToken.mint(to, ...) called by the escrow would revert (before maturity)."""
        if not self.is_minter:
            return "access_control: account is missing role"
        if self.bond_paused:
            return "bond: paused"
        if to in self.blocked:
            return "bond: account blocked"
        return None


@dataclass
class Position:
    committed: int = 0  # C_i
    paid: int = 0  # P_i
    closed: bool = False
    refunded: int = 0  # stablecoin units paid back (not a contract field)

    @property
    def fulfilled(self) -> bool:
        return self.committed > 0 and self.paid == self.committed


@dataclass
class Flows:
    """Money and tokens that crossed the escrow's boundary, for conservation checks."""

    paid_in: int = 0  # stablecoin units received from investors
    refunded: int = 0  # stablecoin units paid back to investors
    to_custodian: int = 0  # stablecoin units sent to the custodian
    tokens_minted: int = 0  # token wei minted by claims
    og_minted: int = 0  # OG NFTs minted

    @property
    def held(self) -> int:
        return self.paid_in - self.refunded - self.to_custodian


class EscrowModel:
    def __init__(self, params: RoundParams, env: Environment):
        self.p = params
        self.env = env
        self.stored = OPEN
        self.activated_at = 0
        self.positions: dict[str, Position] = {}
        self.committed_total = 0
        self.paid_total = 0
        self.initial_total = 0
        self.raised = 0
        self.refunded_total = 0
        self.claimed_total = 0
        self.flows = Flows()

    # ------------------------------------------------------------ phases --
    def outcome(self, now: int) -> int:
        """Escrow._outcome: the phase state and time imply."""
        if self.stored not in LIVE:
            return self.stored
        if now >= self.p.settle_by:
            return FAILED
        if self.raised == self.p.target:
            return SUCCEEDED
        if now < self.p.deadline:
            return self.stored
        if self.stored == ACTIVE and self.raised >= self.p.min_raise:
            return SUCCEEDED
        return FAILED

    def _sync(self, now: int) -> int:
        outcome = self.outcome(now)
        if outcome == FAILED and self.stored != FAILED:
            self.stored = FAILED
        return outcome

    def withdrawable(self, pos: Position, phase: int) -> int:
        if pos.closed:
            return 0
        if phase in (FAILED, CANCELLED):
            return pos.paid
        if phase == SUCCEEDED and pos.paid < pos.committed:
            return pos.paid
        return 0

    def claimable(self, pos: Position) -> int:
        if self.stored == SUCCEEDED and pos.fulfilled and not pos.closed:
            return self.p.tokens_for(pos.committed)
        return 0

    # ----------------------------------------------------------- actions --
    def _transaction(self, action, *args):
        saved = copy.deepcopy(self.__dict__)
        try:
            return action(*args)
        except Revert:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def commit(self, who: str, amount: int, now: int) -> int:
        return self._transaction(self._commit, who, amount, now)

    def fulfil(self, who: str, amount: int, now: int) -> int:
        return self._transaction(self._fulfil, who, amount, now)

    def settle(self, now: int) -> int:
        return self._transaction(self._settle, now)

    def cancel(self, who: str, now: int) -> None:
        return self._transaction(self._cancel, who, now)

    def claim(self, who: str, now: int) -> int:
        return self._transaction(self._claim, who, now)

    def withdraw(self, who: str, now: int) -> int:
        return self._transaction(self._withdraw, who, now)

    def process_batch(self, investors: Iterable[str], now: int) -> tuple[int, int]:
        return self._transaction(self._process_batch, list(investors), now)

    # ------------------------------------------------------ implementations --
    def _commit(self, who: str, amount: int, now: int) -> int:
        p, env = self.p, self.env
        if now >= p.deadline or self.stored not in LIVE:
            raise Revert("escrow: round closed")
        if not env.is_verified(who):
            raise Revert("escrow: investor not verified")
        if amount == 0:
            raise Revert("escrow: zero amount")
        if amount % p.unit:
            raise Revert("escrow: amount not a multiple of the commitment unit")
        remaining = p.target - self.committed_total
        if remaining == 0:
            raise Revert("escrow: target fully committed")
        accepted = min(amount, remaining)
        pos = self.positions.get(who, Position())
        new_committed = pos.committed + accepted
        if new_committed < p.min_ticket and accepted != remaining:
            raise Revert("escrow: below the minimum ticket")
        initial = p.initial_payment(accepted)
        if err := env.usdc_error(who, env.escrow):
            raise Revert(err)

        if pos.fulfilled:
            self.raised -= pos.committed
        if pos.committed == 0:
            self.positions[who] = pos
        pos.committed = new_committed
        pos.paid += initial
        if pos.fulfilled:
            self.raised += pos.committed
        self.committed_total += accepted
        self.paid_total += initial
        self.initial_total += initial
        self.flows.paid_in += initial
        if self.stored == OPEN and self.initial_total >= p.activation_amount:
            self.stored = ACTIVE
            self.activated_at = now
        return accepted

    def _fulfil(self, who: str, amount: int, now: int) -> int:
        env = self.env
        if now >= self.p.deadline:
            raise Revert("escrow: round closed")
        if self.stored != ACTIVE:
            raise Revert("escrow: round not active")
        if not env.is_verified(who):
            raise Revert("escrow: investor not verified")
        if amount == 0:
            raise Revert("escrow: zero amount")
        pos = self.positions.get(who, Position())
        if pos.committed == 0:
            raise Revert("escrow: no commitment")
        outstanding = pos.committed - pos.paid
        if outstanding == 0:
            raise Revert("escrow: commitment already fulfilled")
        accepted = min(amount, outstanding)
        if err := env.usdc_error(who, env.escrow):
            raise Revert(err)
        pos.paid += accepted
        self.paid_total += accepted
        self.flows.paid_in += accepted
        if pos.fulfilled:
            self.raised += pos.committed
        return accepted

    def _settle(self, now: int) -> int:
        env = self.env
        if self.stored not in LIVE:
            raise Revert("escrow: round already closed")
        outcome = self.outcome(now)
        if outcome not in (SUCCEEDED, FAILED):
            raise Revert("escrow: round not decided")
        if outcome == FAILED:
            self.stored = FAILED
            return FAILED
        if not env.is_minter:
            raise Revert("escrow: not a minter of the bond")
        if err := env.usdc_error(env.escrow, env.custodian):
            raise Revert(err)
        self.stored = SUCCEEDED
        self.flows.to_custodian += self.raised
        return SUCCEEDED

    def _cancel(self, who: str, now: int) -> None:
        if who != self.env.issuer:
            raise Revert("escrow: caller is not the issuer")
        if self.stored not in LIVE:
            raise Revert("escrow: round already closed")
        if self.outcome(now) != self.stored:
            raise Revert("escrow: outcome already decided")
        self.stored = CANCELLED

    def _check_settled_success(self, now: int) -> None:
        if self.stored == SUCCEEDED:
            return
        outcome = self.outcome(now)
        if outcome == SUCCEEDED:
            raise Revert("escrow: round not settled")
        if outcome in LIVE:
            raise Revert("escrow: round not decided")
        raise Revert("escrow: round did not succeed")

    def _close_for_bonds(self, pos: Position) -> int:
        pos.closed = True
        self.claimed_total += pos.committed
        tokens = self.p.tokens_for(pos.committed)
        self.flows.tokens_minted += tokens
        self.flows.og_minted += 1
        return tokens

    def _refund(self, pos: Position) -> int:
        amount = pos.paid
        pos.closed = True
        pos.refunded = amount
        self.refunded_total += amount
        self.flows.refunded += amount
        return amount

    def _claim(self, who: str, now: int) -> int:
        self._check_settled_success(now)
        pos = self.positions.get(who)
        if pos is None:
            raise Revert("escrow: no position")
        if pos.closed:
            raise Revert("escrow: position closed")
        if pos.paid != pos.committed:
            raise Revert("escrow: commitment not fulfilled")
        if err := self.env.mint_error(who):
            raise Revert(err)
        return self._close_for_bonds(pos)

    def _withdraw(self, who: str, now: int) -> int:
        env = self.env
        phase = self._sync(now)
        if phase not in DECIDED:
            raise Revert("escrow: round not decided")
        pos = self.positions.get(who)
        if pos is None:
            raise Revert("escrow: no position")
        if pos.closed:
            raise Revert("escrow: position closed")
        if self.withdrawable(pos, phase) == 0:
            raise Revert("escrow: commitment fulfilled, claim bonds")
        if who in env.blocked:
            raise Revert("escrow: investor blocked")
        if err := env.usdc_error(env.escrow, who):
            raise Revert(err)
        return self._refund(pos)

    def _process_batch(self, investors: list[str], now: int) -> tuple[int, int]:
        env = self.env
        phase = self._sync(now)
        if phase not in DECIDED:
            raise Revert("escrow: round not decided")
        if phase == SUCCEEDED and self.stored != SUCCEEDED:
            raise Revert("escrow: round not settled")
        done = skipped = 0
        for who in investors:
            pos = self.positions.get(who)
            if pos is None or pos.closed:
                continue
            if phase == SUCCEEDED and pos.fulfilled:
                ok = env.mint_error(who) is None
                if ok:
                    self._close_for_bonds(pos)
            else:
                ok = who not in env.blocked and env.usdc_error(env.escrow, who) is None
                if ok:
                    self._refund(pos)
            done += ok
            skipped += not ok
        return done, skipped

    # ------------------------------------------------------------- views --
    def position_view(self, who: str, now: int) -> tuple:
        """Escrow.position(who) as a tuple."""
        pos = self.positions.get(who, Position())
        return (
            pos.committed,
            pos.paid,
            pos.committed - pos.paid,
            pos.fulfilled,
            pos.closed,
            self.withdrawable(pos, self.outcome(now)),
            self.claimable(pos),
        )

    def totals_view(self) -> tuple:
        """Escrow.totals() as a tuple."""
        to_custodian = self.raised if self.stored == SUCCEEDED else 0
        return (
            self.committed_total,
            self.paid_total,
            self.initial_total,
            self.raised,
            self.refunded_total,
            to_custodian,
            self.claimed_total,
            self.paid_total - self.refunded_total - to_custodian,
            len(self.positions),
        )
