"""Pure-Python reference model of the macro feed, the TSDCM rule, retirement and payout.

Mirrors `contracts/MacroFeed.vy`, `contracts/DebtConversion.vy` and the conversion part of
`contracts/BondToken.vy` with plain integers (same units, same rounding), written the
obvious way so that tests can compare the contracts against it bit for bit:

- Macro values are basis points (bps): debt in bps of GDP, growth in bps a year, signed.
  Periods: annual = year; quarterly = year * 100 + quarter.
- The rule: latest periods of both series equal, each published at most ``max_age`` ago,
  ``D <= D*`` and ``g >= g*``, the ``confirmations - 1`` previous periods confirm, every
  version used recorded at least ``delay`` ago, outstanding supply, converter role.
- Retirement: balances are ``shares * scale // WAD``; the conversion sets
  ``scale' = scale * (WAD - alpha) // WAD``; a holder's retired amount is
  ``shares * (scale - scale') // WAD``; after it, amounts become shares rounding up.
- Growth integral (left Riemann over observation periods, in years), WAD fraction-years:
  ``I = sum_{i < n} (g_{P+i} - g*)^+ * 1e14 // f`` with ``g_{P+i}`` the latest version
  recorded before ``T``, or the previous node's value when there is none at ``T``.
- Payout: ``Pi = beta * max(D_tau - D*, 0) // WAD + gamma * I // WAD`` (WAD fraction of
  face per unit retired); due = ``ceil(retired * Pi * denomination / 1e36)``; a holder who
  burned ``b`` PLT is owed ``min(b * funded // retired, b * Pi * denomination // 1e36)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

WAD = 10**18
TOKEN = 10**18
WAD_PER_BPS = 10**14
YEAR = 31_557_600  # Julian year, s
DAY = 86_400
DEBT, GROWTH = 1, 2

# check() condition codes, in evaluation order (DebtConversion constants).
OK = 0
ALREADY_CONVERTED = 1
PAST_DEADLINE = 2
NO_DEBT_DATA = 3
NO_GROWTH_DATA = 4
PERIOD_MISMATCH = 5
STALE_DEBT = 6
STALE_GROWTH = 7
DEBT_ABOVE_THRESHOLD = 8
GROWTH_BELOW_THRESHOLD = 9
NOT_CONFIRMED = 10
IN_DELAY = 11
NO_SUPPLY = 12
NOT_CONVERTER = 13

REASONS = {
    OK: "tsdcm: rule holds",
    ALREADY_CONVERTED: "tsdcm: already converted",
    PAST_DEADLINE: "tsdcm: past the conversion deadline",
    NO_DEBT_DATA: "tsdcm: no debt observation",
    NO_GROWTH_DATA: "tsdcm: no growth observation",
    PERIOD_MISMATCH: "tsdcm: debt and growth periods differ",
    STALE_DEBT: "tsdcm: stale debt observation",
    STALE_GROWTH: "tsdcm: stale growth observation",
    DEBT_ABOVE_THRESHOLD: "tsdcm: debt above threshold",
    GROWTH_BELOW_THRESHOLD: "tsdcm: growth below threshold",
    NOT_CONFIRMED: "tsdcm: previous periods do not confirm",
    IN_DELAY: "tsdcm: confirmation delay not over",
    NO_SUPPLY: "tsdcm: bond has no outstanding supply",
    NOT_CONVERTER: "tsdcm: not the bond's converter",
}


# ----------------------------------------------------------------------------- periods
def ordinal(period: int, frequency: int) -> int:
    if frequency == 1:
        return period
    return (period // 100) * 4 + period % 100 - 1


def from_ordinal(o: int, frequency: int) -> int:
    if frequency == 1:
        return o
    return (o // 4) * 100 + o % 4 + 1


def _days_since_epoch(year: int, month: int) -> int:
    """Days from 1970-01-01 to the 1st of month/year, from Python's calendar (the Gregorian
    calendar repeats every 400 years = 146,097 days, for years past datetime's 9999)."""
    cycles = max(0, (year - 9_600) // 400)
    year -= 400 * cycles
    return date(year, month, 1).toordinal() - date(1970, 1, 1).toordinal() + 146_097 * cycles


def period_end(period: int, frequency: int) -> int:
    """First second after the period (00:00 UTC on the first day of the next one)."""
    if frequency == 1:
        year, month = period + 1, 1
    else:
        year, quarter = divmod(period, 100)
        year, month = (year + 1, 1) if quarter == 4 else (year, 3 * quarter + 1)
    return _days_since_epoch(year, month) * DAY


# ------------------------------------------------------------------------------- feed
@dataclass(frozen=True)
class Entry:
    series: int
    period: int
    value: int
    published_at: int
    recorded_at: int
    version: int


@dataclass
class FeedModel:
    """The update log of one sovereign: every version, in recording order."""

    frequency: int = 1
    log: list[Entry] = field(default_factory=list)

    def report(self, series: int, period: int, value: int, published_at: int, now: int) -> int:
        versions = self.versions(series, period)
        version = len(versions) + 1
        self.log.append(Entry(series, period, value, published_at, now, version))
        return version

    def versions(self, series: int, period: int) -> list[Entry]:
        return [e for e in self.log if e.series == series and e.period == period]

    def observation(self, series: int, period: int) -> Entry | None:
        versions = self.versions(series, period)
        return versions[-1] if versions else None

    def observation_before(self, series: int, period: int, cutoff: int) -> Entry | None:
        versions = [e for e in self.versions(series, period) if e.recorded_at < cutoff]
        return versions[-1] if versions else None

    def latest(self, series: int) -> Entry | None:
        periods = [e.period for e in self.log if e.series == series]
        return self.observation(series, max(periods)) if periods else None


# ------------------------------------------------------------------------------- rule
@dataclass(frozen=True)
class Params:
    debt_threshold: int  # D*, bps
    growth_threshold: int  # g*, bps a year
    alpha: int  # WAD
    beta: int  # WAD
    gamma: int  # WAD
    plt_maturity: int  # T, unix s
    max_age: int  # s
    delay: int  # s
    confirmations: int
    frequency: int = 1

    def as_terms(self) -> dict[str, int]:
        """The constructor's `Terms` struct."""
        return {
            "debt_threshold_bps": self.debt_threshold,
            "growth_threshold_bps": self.growth_threshold,
            "alpha": self.alpha,
            "beta": self.beta,
            "gamma": self.gamma,
            "plt_maturity": self.plt_maturity,
            "max_age": self.max_age,
            "confirmation_delay": self.delay,
            "confirmations": self.confirmations,
        }


def rule(
    feed: FeedModel,
    p: Params,
    now: int,
    *,
    bond_maturity: int,
    converted: bool = False,
    supply: int = 1,
    is_converter: bool = True,
) -> int:
    """The first failing condition (or OK) of the conversion rule at time `now`."""
    if converted:
        return ALREADY_CONVERTED
    if now >= p.plt_maturity or now >= bond_maturity:
        return PAST_DEADLINE
    debt, growth = feed.latest(DEBT), feed.latest(GROWTH)
    if debt is None:
        return NO_DEBT_DATA
    if growth is None:
        return NO_GROWTH_DATA
    if debt.period != growth.period:
        return PERIOD_MISMATCH
    if now - debt.published_at > p.max_age:
        return STALE_DEBT
    if now - growth.published_at > p.max_age:
        return STALE_GROWTH
    if debt.value > p.debt_threshold:
        return DEBT_ABOVE_THRESHOLD
    if growth.value < p.growth_threshold:
        return GROWTH_BELOW_THRESHOLD
    last_recorded = max(debt.recorded_at, growth.recorded_at)
    o = ordinal(debt.period, p.frequency)
    for i in range(1, p.confirmations):
        prev = from_ordinal(o - i, p.frequency)
        d, g = feed.observation(DEBT, prev), feed.observation(GROWTH, prev)
        if d is None or d.value > p.debt_threshold:
            return NOT_CONFIRMED
        if g is None or g.value < p.growth_threshold:
            return NOT_CONFIRMED
        last_recorded = max(last_recorded, d.recorded_at, g.recorded_at)
    if now < last_recorded + p.delay:
        return IN_DELAY
    if supply == 0:
        return NO_SUPPLY
    if not is_converter:
        return NOT_CONVERTER
    return OK


def node_count(p: Params, tau: int) -> int:
    """n = round((T - tau) * f / YEAR): the observation periods in [tau, T]."""
    return min(((p.plt_maturity - tau) * p.frequency + YEAR // 2) // YEAR, 200)


def excess(growth: int, p: Params) -> int:
    """(g - g*)^+ over one period of 1/f year, WAD fraction-years."""
    return max(growth - p.growth_threshold, 0) * WAD_PER_BPS // p.frequency


def growth_nodes(
    feed: FeedModel, p: Params, conversion_period: int, n: int, now: int
) -> list[int] | None:
    """Node values g_{P+i} (bps) as they stand at T; None while one is still unknown."""
    values: list[int] = []
    o = ordinal(conversion_period, p.frequency)
    for i in range(n):
        entry = feed.observation_before(GROWTH, from_ordinal(o + i, p.frequency), p.plt_maturity)
        if entry is not None:
            values.append(entry.value)
        elif now >= p.plt_maturity:
            values.append(values[-1])  # left Riemann: hold the last growth known
        else:
            return None
    return values


def growth_integral(feed: FeedModel, p: Params, conversion_period: int, n: int, now: int) -> int:
    """The final integral I (WAD fraction-years), once every node is known."""
    values = growth_nodes(feed, p, conversion_period, n, now)
    assert values is not None, "a node is still unknown"
    return sum(excess(g, p) for g in values)


def debt_after(debt_before_bps: int, alpha: int) -> int:
    """D_tau = (1 - alpha) D_tau-, WAD fraction of GDP."""
    return debt_before_bps * WAD_PER_BPS * (WAD - alpha) // WAD


def payout_rate(p: Params, debt_after_wad: int, integral: int) -> int:
    """Pi = beta max(D_tau - D*, 0) + gamma I, WAD fraction of face per unit retired."""
    overshoot = max(debt_after_wad - p.debt_threshold * WAD_PER_BPS, 0)
    return p.beta * overshoot // WAD + p.gamma * integral // WAD


def payout_due(total_retired: int, rate: int, denomination: int) -> int:
    return -(-total_retired * rate * denomination // (WAD * TOKEN))


def entitlement(burned: int, funded: int, total_retired: int, rate: int, denomination: int) -> int:
    return min(burned * funded // total_retired, burned * rate * denomination // (WAD * TOKEN))


# ------------------------------------------------------------------------- retirement
@dataclass
class BondScaleModel:
    """Bond balances as shares times scale, and the one-off retirement."""

    scale: int = WAD
    shares: dict[str, int] = field(default_factory=dict)
    converted: bool = False
    scale_before: int = WAD
    shares_at_conversion: dict[str, int] = field(default_factory=dict)

    def _to_shares_up(self, amount: int) -> int:
        if self.scale == WAD:
            return amount
        return -(-amount * WAD // self.scale)

    def balance_of(self, who: str) -> int:
        return self.shares.get(who, 0) * self.scale // WAD

    @property
    def total_supply(self) -> int:
        return sum(self.shares.values()) * self.scale // WAD

    def mint(self, to: str, amount: int) -> None:
        self.shares[to] = self.shares.get(to, 0) + self._to_shares_up(amount)

    def transfer(self, src: str, dst: str, amount: int) -> None:
        s = self._to_shares_up(amount)
        assert self.shares.get(src, 0) >= s, "amount exceeds balance"
        self.shares[src] = self.shares.get(src, 0) - s
        self.shares[dst] = self.shares.get(dst, 0) + s

    def retire(self, alpha: int) -> int:
        """scale := scale * (1 - alpha); returns the total retired (token wei)."""
        total = sum(self.shares.values())
        before = total * self.scale // WAD
        self.scale_before = self.scale
        self.scale = self.scale * (WAD - alpha) // WAD
        self.converted = True
        self.shares_at_conversion = dict(self.shares)
        return before - total * self.scale // WAD

    def retired_of(self, who: str) -> int:
        if not self.converted:
            return 0
        return self.shares_at_conversion.get(who, 0) * (self.scale_before - self.scale) // WAD
