"""Pure-Python reference model of ``contracts/SteadyAMM.vy``, bit-exact with its integer math.

Every formula below is the contract's, step for step and with the same rounding, so a
differential test can compare amounts, reserves and revert reasons exactly. Accrued
interest comes from ``analytics.bond_math.accrued_interest_at`` (the definition the
contract must match), not from a copy of the contract's algorithm.

Glossary and units (as in the contract)
---------------------------------------
- ``x``: bond tokens in the pool, token wei (1e18 per token).
- ``y``: curve stablecoin reserve, stablecoin units; ``x * y = k`` sets the clean price.
- ``cash``: stablecoin the pool holds, units (``y`` + accrued interest received - paid +
  coupons collected).
- ``answer``: oracle clean price, percent of par with ``feed_decimals`` decimals.
- ``ai``: accrued interest per token, stablecoin units.
- ``fee_bps``, ``band_bps``: basis points (``MAX_BPS = 10_000``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analytics import bond_math

MAX_BPS = 10_000
TOKEN_UNIT = 10**18
MINIMUM_LIQUIDITY = 10**15  # share wei locked at the first deposit (0.001 bond token)
M80 = 2**80 - 1
M96 = 2**96 - 1
SEARCH_STEPS = 100


class AmmRevert(Exception):
    """The contract would revert with ``reason`` (the exact revert string)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def require(condition: bool, reason: str) -> None:
    if not condition:
        raise AmmRevert(reason)


def mul_div_up(a: int, b: int, d: int) -> int:
    """ceil(a * b / d), the contract's ``_mul_div_up``."""
    return -(-(a * b) // d)


def buy_clean_in(x: int, y: int, dx: int, fee_bps: int) -> int:
    """in = ceil(y * dx * 10_000 / ((x - dx) * (10_000 - f)))."""
    require(dx > 0, "amm: zero amount")
    require(dx < x, "amm: insufficient bond reserve")
    return mul_div_up(y * dx, MAX_BPS, (x - dx) * (MAX_BPS - fee_bps))


def sell_clean_out(x: int, y: int, dx: int, fee_bps: int) -> int:
    """out = floor(y * dx * (10_000 - f) / (x * 10_000 + dx * (10_000 - f)))."""
    require(dx > 0, "amm: zero amount")
    dx_after_fee = dx * (MAX_BPS - fee_bps)
    return y * dx_after_fee // (x * MAX_BPS + dx_after_fee)


@dataclass
class Bond:
    """What the pool knows of the bond: terms and coupon table (analytics.bond_math)."""

    denomination: int  # stablecoin units per token
    table: list[bond_math.CouponPeriod]
    basis: bond_math.DayCount

    @property
    def issue_ts(self) -> int:
        return self.table[0].start_ts

    @property
    def maturity_ts(self) -> int:
        return self.table[-1].end_ts

    def accrued(self, now: int) -> int:
        """ai per token at ``now``, stablecoin units (the analytics definition)."""
        return bond_math.accrued_interest_at(self.table, now, self.basis)


@dataclass
class SteadyAMMModel:
    """State and operations of one pool, mirroring the contract."""

    bond: Bond
    fee_bps: int = 30
    band_bps: int = 500
    max_oracle_age: int = 86_400
    feed_decimals: int = 8
    paused: bool = False
    x: int = 0
    y: int = 0
    cash: int = 0
    supply: int = 0
    shares: dict[str, int] = field(default_factory=dict)
    answer: int = 0  # latest oracle answer (0 = none)
    updated_at: int = 0

    # ------------------------------------------------------------------ helpers --
    @property
    def par_answer(self) -> int:
        return 100 * 10**self.feed_decimals

    @property
    def k(self) -> int:
        return self.x * self.y

    def set_oracle(self, answer: int, updated_at: int) -> None:
        self.answer = answer
        self.updated_at = updated_at

    def oracle_answer(self, now: int) -> int:
        require(self.answer > 0, "amm: oracle price missing")
        require(self.updated_at + self.max_oracle_age >= now, "amm: oracle price stale")
        return self.answer

    def market(self, now: int) -> tuple[int, int]:
        """(answer, ai) after the contract's pre-trade checks, in its order."""
        require(not self.paused, "amm: paused")
        require(now < self.bond.maturity_ts, "amm: bond matured")
        answer = self.oracle_answer(now)
        return answer, self.bond.accrued(now)

    def check_band(self, x_new: int, y_new: int, answer: int, is_buy: bool) -> None:
        """y' * PAR * 1e18 * 10_000 vs (10_000 +- b) * answer * denomination * x'."""
        lhs = y_new * self.par_answer * TOKEN_UNIT * MAX_BPS
        reference = answer * self.bond.denomination * x_new
        if is_buy:
            require(lhs <= (MAX_BPS + self.band_bps) * reference, "amm: price above band")
        else:
            require(lhs >= (MAX_BPS - self.band_bps) * reference, "amm: price below band")

    def in_band(self, x: int | None = None, y: int | None = None) -> bool:
        """P_min <= y/x <= P_max for the current oracle answer (both edges included)."""
        x = self.x if x is None else x
        y = self.y if y is None else y
        lhs = y * self.par_answer * TOKEN_UNIT * MAX_BPS
        reference = self.answer * self.bond.denomination * x
        return (MAX_BPS - self.band_bps) * reference <= lhs <= (MAX_BPS + self.band_bps) * reference

    @staticmethod
    def pack_check(x: int, y: int, cash: int) -> None:
        require(x <= M96 and y <= M80 and cash <= M80, "amm: reserve overflow")

    # ------------------------------------------------------------------- quotes --
    def quote_buy(self, bond_out: int, now: int) -> tuple[int, int, int]:
        """(clean, accrued, dirty) stablecoin units in for ``bond_out`` wei out."""
        answer, ai = self.market(now)
        clean = buy_clean_in(self.x, self.y, bond_out, self.fee_bps)
        accrued = mul_div_up(ai, bond_out, TOKEN_UNIT)
        self.check_band(self.x - bond_out, self.y + clean, answer, True)
        return clean, accrued, clean + accrued

    def quote_sell(self, bond_in: int, now: int) -> tuple[int, int, int]:
        """(clean, accrued, dirty) stablecoin units out for ``bond_in`` wei in."""
        answer, ai = self.market(now)
        clean = sell_clean_out(self.x, self.y, bond_in, self.fee_bps)
        accrued = ai * bond_in // TOKEN_UNIT
        require(clean + accrued <= self.cash, "amm: insufficient stablecoin")
        self.check_band(self.x + bond_in, self.y - clean, answer, False)
        return clean, accrued, clean + accrued

    def quote_buy_exact_in(self, stable_in: int, now: int) -> int:
        answer, ai = self.market(now)
        require(self.x > 1, "amm: pool empty")
        lo, hi = 0, self.x - 1
        for _ in range(SEARCH_STEPS):
            if lo >= hi:
                break
            mid = (lo + hi + 1) // 2
            cost = buy_clean_in(self.x, self.y, mid, self.fee_bps) + mul_div_up(ai, mid, TOKEN_UNIT)
            if cost <= stable_in:
                lo = mid
            else:
                hi = mid - 1
        if lo > 0:
            clean = buy_clean_in(self.x, self.y, lo, self.fee_bps)
            self.check_band(self.x - lo, self.y + clean, answer, True)
        return lo

    def quote_sell_exact_out(self, stable_out: int, now: int) -> int:
        answer, ai = self.market(now)
        require(stable_out > 0, "amm: zero amount")
        require(stable_out <= self.cash, "amm: insufficient stablecoin")

        def proceeds(dx: int) -> int:
            return sell_clean_out(self.x, self.y, dx, self.fee_bps) + ai * dx // TOKEN_UNIT

        lo, hi = 1, M96 - self.x
        require(proceeds(hi) >= stable_out, "amm: insufficient liquidity")
        for _ in range(SEARCH_STEPS):
            if lo >= hi:
                break
            mid = (lo + hi) // 2
            if proceeds(mid) >= stable_out:
                hi = mid
            else:
                lo = mid + 1
        clean = sell_clean_out(self.x, self.y, lo, self.fee_bps)
        self.check_band(self.x + lo, self.y - clean, answer, False)
        return lo

    # ------------------------------------------------------------------- trades --
    def buy(self, bond_out: int, max_stable_in: int, now: int) -> tuple[int, int, int]:
        """Apply a buy; returns (clean, accrued, dirty) paid."""
        answer, ai = self.market(now)
        clean = buy_clean_in(self.x, self.y, bond_out, self.fee_bps)
        accrued = mul_div_up(ai, bond_out, TOKEN_UNIT)
        dirty = clean + accrued
        require(dirty <= max_stable_in, "amm: slippage")
        x_new, y_new = self.x - bond_out, self.y + clean
        self.check_band(x_new, y_new, answer, True)
        self.pack_check(x_new, y_new, self.cash + dirty)
        self.x, self.y, self.cash = x_new, y_new, self.cash + dirty
        return clean, accrued, dirty

    def sell(self, bond_in: int, min_stable_out: int, now: int) -> tuple[int, int, int]:
        """Apply a sell; returns (clean, accrued, dirty) received."""
        answer, ai = self.market(now)
        clean = sell_clean_out(self.x, self.y, bond_in, self.fee_bps)
        accrued = ai * bond_in // TOKEN_UNIT
        dirty = clean + accrued
        require(dirty >= min_stable_out, "amm: slippage")
        require(dirty <= self.cash, "amm: insufficient stablecoin")
        x_new, y_new = self.x + bond_in, self.y - clean
        self.check_band(x_new, y_new, answer, False)
        self.pack_check(x_new, y_new, self.cash - dirty)
        self.x, self.y, self.cash = x_new, y_new, self.cash - dirty
        return clean, accrued, dirty

    # ---------------------------------------------------------------- liquidity --
    def add_liquidity(self, who: str, bond_in: int, now: int) -> tuple[int, int]:
        """Apply a deposit; returns (stablecoin units in, shares minted to ``who``)."""
        require(bond_in > 0, "amm: zero amount")
        require(not self.paused, "amm: paused")
        require(now < self.bond.maturity_ts, "amm: bond matured")
        if self.supply == 0:
            answer = self.oracle_answer(now)
            stable_in = mul_div_up(
                bond_in * answer, self.bond.denomination, self.par_answer * TOKEN_UNIT
            )
            require(stable_in > 0, "amm: deposit too small")
            require(bond_in > MINIMUM_LIQUIDITY, "amm: deposit too small")
            dy = stable_in
            minted = bond_in - MINIMUM_LIQUIDITY
            self.supply += MINIMUM_LIQUIDITY
            self.shares["pool"] = self.shares.get("pool", 0) + MINIMUM_LIQUIDITY
        else:
            stable_in = mul_div_up(self.cash, bond_in, self.x)
            minted = self.supply * bond_in // self.x
            dy = mul_div_up(self.y, bond_in, self.x)
            require(minted > 0, "amm: deposit too small")
        self.pack_check(self.x + bond_in, self.y + dy, self.cash + stable_in)
        self.x += bond_in
        self.y += dy
        self.cash += stable_in
        self.supply += minted
        self.shares[who] = self.shares.get(who, 0) + minted
        return stable_in, minted

    def quote_remove(self, shares: int) -> tuple[int, int]:
        return self.x * shares // self.supply, self.cash * shares // self.supply

    def remove_liquidity(self, who: str, shares: int) -> tuple[int, int]:
        """Apply a withdrawal; returns (bond wei out, stablecoin units out)."""
        require(shares > 0, "amm: zero amount")
        if self.shares.get(who, 0) < shares:
            raise AmmRevert("erc20: burn amount exceeds balance")
        bond_out = self.x * shares // self.supply
        stable_out = self.cash * shares // self.supply
        dy = self.y * shares // self.supply
        self.x -= bond_out
        self.y -= dy
        self.cash -= stable_out
        self.supply -= shares
        self.shares[who] -= shares
        return bond_out, stable_out

    def collect(self, amount: int) -> None:
        """Coupons collected into cash (the curve price does not move)."""
        self.pack_check(self.x, self.y, self.cash + amount)
        self.cash += amount
