"""The deployment configuration: one YAML file, one strict pydantic model.

``load_config(path)`` reads and validates the file; ``parse_config(mapping)`` validates an
in-memory mapping. Every problem is reported at once as a :class:`DeployConfigError`
whose issues name the key (``corporate.round.deadline``), what is wrong and the fix.

Dates and times are either absolute (``"2027-01-15"``, UTC midnight) or relative to the
chain time when the deployment starts (``"+30d"``, ``"+2w"``, ``"+6m"``, ``"+3y"``: days
and weeks are exact seconds, months and years are calendar steps). A date-valued term
(issue date, maturity) is the UTC date of the resolved time. :func:`resolve_plan` turns a
config and the chain time into concrete numbers (the coupon schedule from
``analytics.bond_math``) and checks what needs those numbers (deadline before the first
coupon date, ...); ``deployment.deploy.deploy_protocol`` executes the plan.

The complete, commented example is ``config/deploy.local.yaml``; reference: ``docs/deploy.md``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from analytics import bond_math
from keeper.exceptions import ConfigIssue, config_location

CONFIG_VERSION = 1
DAY = 86_400
WAD = 10**18
ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
ALIAS_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
RELATIVE_RE = re.compile(r"^\+(\d{1,5})([dwmy])$")
ISIN_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$")
ROLE_NAMES = (
    "admin",
    "kyc_operator",
    "compliance",
    "paying_agent",
    "custodian",
    "issuer",
    "keeper",
)


# ------------------------------------------------------------------------------ errors
class DeployConfigError(ValueError):
    """The deployment configuration is unreadable or invalid (every problem listed)."""

    def __init__(self, source: str, issues: list[ConfigIssue]) -> None:
        self.source = source
        self.issues = list(issues)
        n = len(self.issues)
        header = f"invalid deployment config {source}: {n} problem{'s' if n != 1 else ''}"
        super().__init__("\n".join([header, *(f"  - {issue}" for issue in self.issues)]))

    def at(self, location: str) -> ConfigIssue:
        """The issue reported at ``location`` (KeyError listing the others if none)."""
        for issue in self.issues:
            if issue.location == location:
                return issue
        raise KeyError(f"no issue at {location!r}; issues at {[i.location for i in self.issues]}")


def _custom(problem: str, fix: str) -> PydanticCustomError:
    return PydanticCustomError("deploy_config", "{problem}", {"problem": problem, "fix": fix})


# --------------------------------------------------------------------- value types
def _check_account(value: Any) -> int | str:
    """A test-account index (local chains), an address, or an ape account alias."""
    if isinstance(value, bool):
        raise _custom(f"{value!r} is not an account", _ACCOUNT_FIX)
    if isinstance(value, int):
        if not 0 <= value <= 99:
            raise _custom(f"test-account index {value} is out of range", "use 0 to 99")
        return value
    if isinstance(value, str):
        if ADDRESS_RE.match(value):
            from eth_utils import is_checksum_address, to_checksum_address

            mixed = value[2:] != value[2:].lower() and value[2:] != value[2:].upper()
            if mixed and not is_checksum_address(value):
                raise _custom(
                    f"{value!r} has an invalid EIP-55 checksum (a typo?)",
                    f"check the address; its checksummed form would be "
                    f"{to_checksum_address(value)}",
                )
            return to_checksum_address(value)
        if value.startswith("0x"):
            raise _custom(f"{value!r} is not an address", "write 0x followed by 40 hex digits")
        if ALIAS_RE.match(value):
            return value
    raise _custom(f"{value!r} is not an account", _ACCOUNT_FIX)


_ACCOUNT_FIX = (
    "write an ape test-account index (local chains, e.g. 3), an address "
    '("0x" + 40 hex digits, quoted) or an ape account alias (`ape accounts list`)'
)

Account = Annotated[Any, AfterValidator(_check_account)]


def _check_time(value: Any) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()  # YAML reads an unquoted 2027-01-15 as a date
    if isinstance(value, str):
        text = value.strip()
        if RELATIVE_RE.match(text):
            return text
        try:
            date.fromisoformat(text)
            return text
        except ValueError:
            pass
    raise _custom(
        f"{value!r} is neither a date nor a relative time",
        'write an ISO date ("2027-01-15", UTC midnight) or an offset from the deployment '
        'chain time: "+30d", "+2w", "+6m", "+3y"',
    )


TimeSpec = Annotated[Any, AfterValidator(_check_time)]


_NUMBER_FIX = 'write a number, e.g. 1000 or "0.25"'


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise _custom(f"{value!r} is not a number", _NUMBER_FIX)
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).replace("_", ""))
    except InvalidOperation:
        raise _custom(f"{value!r} is not a number", _NUMBER_FIX) from None
    if not number.is_finite():
        raise _custom(f"{value!r} is not a finite number", "write a finite number")
    return number


Amount = Annotated[Decimal, BeforeValidator(_decimal)]


def _check_wad(value: Any) -> Decimal:
    number = _decimal(value)
    if (number * WAD) != (number * WAD).to_integral_value():
        raise _custom(f"{value} has more than 18 decimals", "round it to at most 18 decimals")
    return number


WadNumber = Annotated[Decimal, BeforeValidator(_check_wad)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


# --------------------------------------------------------------------------- models
class RolesConfig(_Strict):
    """Who holds what after the deployment (the deployer keeps nothing)."""

    admin: Account = Field(description="DEFAULT_ADMIN_ROLE everywhere (trustee multisig)")
    kyc_operator: Account = Field(description="KYC_OPERATOR_ROLE on the Whitelist")
    compliance: Account = Field(description="COMPLIANCE_ROLE; PAUSER_ROLE on bonds and pools")
    paying_agent: Account = Field(description="PAYING_AGENT_ROLE on both bonds")
    custodian: Account = Field(description="receives the funds of a successful round")
    issuer: Account = Field(description="issuer of the corporate bond (cancels its round)")
    keeper: Account = Field(description="REPORTER_ROLE on the price feeds and the MacroFeed")
    second_reporter: Account | None = Field(
        None, description="a second price reporter (confirms large moves)"
    )


class KeeperRolesConfig(_Strict):
    paying_agent: bool = Field(
        True, description="the keeper also holds PAYING_AGENT_ROLE (funds coupons itself)"
    )


class StablecoinConfig(_Strict):
    """MockUSDC (local chains) or an existing stablecoin."""

    mock: bool = False
    address: Account | None = None
    mint: dict[str, Amount] = Field(
        default_factory=dict,
        description="mock only: whole stablecoin units minted to roles (name -> amount)",
    )

    @model_validator(mode="after")
    def _one_source(self) -> StablecoinConfig:
        if self.mock == (self.address is not None):
            raise _custom(
                "give exactly one of `mock: true` and `address`",
                "local chains: `mock: true` (deploys MockUSDC); otherwise `address: 0x...` "
                "of the stablecoin",
            )
        if isinstance(self.address, int):
            raise _custom(
                "`stablecoin.address` is a number", 'write the token address, quoted: "0x..."'
            )
        if self.mint and not self.mock:
            raise _custom(
                "`mint` only works with `mock: true` (MockUSDC's faucet)",
                "remove `mint`, or fund the accounts with the real stablecoin",
            )
        for name, amount in self.mint.items():
            if name not in ROLE_NAMES:
                raise _custom(
                    f"`mint` names {name!r}, which is not a role",
                    f"use one of: {', '.join(ROLE_NAMES)}",
                )
            if amount <= 0:
                raise _custom(f"`mint.{name}` must be positive", "write an amount above 0")
        return self


class WhitelistConfig(_Strict):
    pool_kyc_expiry: TimeSpec = Field(
        "+10y", description="KYC expiry of the AMM pools' registration (renew before it)"
    )


class RoundConfig(_Strict):
    """The Escrow funding round (amounts in whole stablecoin units)."""

    target: Amount
    initial_share_bps: int = Field(1_000, gt=0, le=10_000)
    activation_bps: int = Field(1_000, gt=0, le=10_000)
    min_ticket: Amount
    deadline: TimeSpec = Field(description="end of the round; it opens at deployment")
    min_raise: Amount | None = Field(None, description="default: the target")
    og_name: str = Field(max_length=25)
    og_symbol: str = Field(max_length=5)
    og_base_uri: str = Field(max_length=80)

    @model_validator(mode="after")
    def _consistent(self) -> RoundConfig:
        if self.activation_bps > self.initial_share_bps:
            raise _custom(
                "activation_bps is above initial_share_bps: the round could never activate",
                "lower activation_bps to at most initial_share_bps",
            )
        if self.min_ticket > self.target:
            raise _custom("min_ticket is above the target", "lower min_ticket")
        if self.min_raise is not None and self.min_raise > self.target:
            raise _custom("min_raise is above the target", "lower min_raise (or omit it)")
        return self


class PriceFeedConfig(_Strict):
    description: str = Field(max_length=64)
    max_deviation_bps: int = Field(500, gt=0, le=10_000)


class AmmConfig(_Strict):
    lp_name: str = Field(max_length=25)
    lp_symbol: str = Field(max_length=5)
    fee_bps: int = Field(30, ge=0, le=1_000)
    band_bps: int = Field(500, gt=0, le=5_000)
    max_oracle_age_s: int = Field(86_400, ge=60, le=30 * DAY)


class BondConfig(_Strict):
    """One bond issue: terms, schedule inputs, round, price feed and pool."""

    name: str = Field(max_length=25)
    symbol: str = Field(max_length=5)
    isin: str
    issuer: Account | None = Field(None, description="default: roles.issuer")
    denomination: Amount = Field(description="face value of one token, whole stablecoin units")
    issue_volume: int = Field(gt=0, description="maximum supply, whole tokens")
    coupon_rate_bps: int = Field(ge=0, le=10_000)
    frequency: Literal[1, 2, 4, 12]
    day_count: str = "ACT/ACT"
    end_of_month: bool = True
    issue_date: TimeSpec
    maturity: TimeSpec | None = Field(None, description="absolute or relative maturity date")
    tenor_years: int | None = Field(None, ge=1, le=50, description="maturity = issue + N years")
    round: RoundConfig
    price_feed: PriceFeedConfig
    amm: AmmConfig

    @field_validator("isin")
    @classmethod
    def _isin(cls, value: str) -> str:
        if not ISIN_RE.match(value):
            raise _custom(
                f"{value!r} is not an ISIN", "12 characters: country, 9 alphanumerics, check digit"
            )
        from oracle.config import isin_check_digit

        expected = isin_check_digit(value[:-1])
        if int(value[-1]) != expected:
            raise _custom(
                f"ISIN {value!r} fails its check digit (the last character should be {expected})",
                "copy the ISIN again from the bond's documentation (the oracle checks it too)",
            )
        return value

    @field_validator("day_count")
    @classmethod
    def _basis(cls, value: str) -> str:
        try:
            return bond_math.DayCount.parse(value).label
        except ValueError as exc:
            raise _custom(str(exc), "use 30/360, ACT/360, ACT/365 or ACT/ACT") from None

    @model_validator(mode="after")
    def _maturity(self) -> BondConfig:
        if (self.maturity is None) == (self.tenor_years is None):
            raise _custom(
                "give exactly one of `maturity` and `tenor_years`",
                'e.g. `tenor_years: 3`, or `maturity: "2029-06-30"`',
            )
        if self.denomination <= 0:
            raise _custom("denomination must be positive", "e.g. `denomination: 1000`")
        return self


class ConversionConfig(_Strict):
    """TSDCM terms (DebtConversion): see docs/architecture.md."""

    debt_threshold_bps: int = Field(gt=0, le=100_000, description="D*, bps of GDP")
    growth_threshold_bps: int = Field(ge=-10_000, le=100_000, description="g*, bps a year")
    alpha: WadNumber = Field(description="fraction of every holding retired, in (0, 1)")
    beta: WadNumber = Field(description="payout per unit of debt overshoot, [0, 100]")
    gamma: WadNumber = Field(description="payout per unit of growth integral, [0, 100]")
    plt_maturity: TimeSpec = Field(description="T: when the PLT payout is fixed")
    max_age_days: int = Field(ge=1, le=730, description="freshness limit on publication time")
    confirmation_delay_days: int = Field(ge=1, description="challenge window after a print")
    confirmations: int = Field(1, ge=1, le=8)
    plt_name: str = Field(max_length=25)
    plt_symbol: str = Field(max_length=5)

    @field_validator("alpha")
    @classmethod
    def _alpha(cls, value: Decimal) -> Decimal:
        if not 0 < value < 1:
            raise _custom(f"alpha {value} is outside (0, 1)", 'e.g. `alpha: "0.25"`')
        return value

    @field_validator("beta", "gamma")
    @classmethod
    def _coefficient(cls, value: Decimal) -> Decimal:
        if not 0 <= value <= 100:
            raise _custom(
                f"{value} is outside [0, 100]", 'write a number from 0 to 100, e.g. "0.1"'
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ConversionConfig:
        if self.confirmation_delay_days >= self.max_age_days:
            raise _custom(
                "confirmation_delay_days is not below max_age_days: no print could ever be "
                "both confirmed and fresh",
                "e.g. confirmation_delay_days: 7 with max_age_days: 400",
            )
        return self


class SovereignBondConfig(BondConfig):
    country: str = Field(description="ISO-3 code registered in the MacroFeed")
    macro_frequency: Literal[1, 4] = Field(1, description="observations a year (1 or 4)")
    aggregators: bool = Field(True, description="deploy AggregatorV3 views of both series")
    conversion: ConversionConfig

    @field_validator("country")
    @classmethod
    def _iso3(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise _custom(f"{value!r} is not an ISO-3 code", "three capital letters, e.g. ITA")
        return value


class DeployConfig(_Strict):
    """The whole deployment file."""

    version: int
    deployer: Account = Field(description="signs every deployment transaction")
    roles: RolesConfig
    keeper_roles: KeeperRolesConfig = KeeperRolesConfig()
    stablecoin: StablecoinConfig
    whitelist: WhitelistConfig = WhitelistConfig()
    corporate: BondConfig
    sovereign: SovereignBondConfig

    @field_validator("version")
    @classmethod
    def _version(cls, value: int) -> int:
        if value != CONFIG_VERSION:
            raise _custom(
                f"config version {value} is not supported",
                f"this deployer reads `version: {CONFIG_VERSION}`",
            )
        return value

    @model_validator(mode="after")
    def _distinct(self) -> DeployConfig:
        if self.corporate.symbol == self.sovereign.symbol:
            raise _custom("both bonds have the same symbol", "give each bond its own symbol")
        if self.corporate.isin == self.sovereign.isin:
            raise _custom("both bonds have the same ISIN", "give each bond its own ISIN")
        return self


# ---------------------------------------------------------------------- resolution
def resolve_time(spec: str, now_ts: int) -> int:
    """Unix seconds of an absolute date (UTC midnight) or an offset from ``now_ts``."""
    match = RELATIVE_RE.match(spec)
    if match is None:
        return bond_math.to_timestamp(date.fromisoformat(spec))
    n, unit = int(match.group(1)), match.group(2)
    if unit == "d":
        return now_ts + n * DAY
    if unit == "w":
        return now_ts + 7 * n * DAY
    months = n if unit == "m" else 12 * n
    return _add_months(now_ts, months)


def _add_months(ts: int, months: int) -> int:
    moment = datetime.fromtimestamp(ts, UTC)
    total = moment.year * 12 + moment.month - 1 + months
    year, month0 = divmod(total, 12)
    day = min(moment.day, bond_math.days_in_month(year, month0 + 1))
    return int(moment.replace(year=year, month=month0 + 1, day=day).timestamp())


def resolve_date(spec: str, now_ts: int) -> date:
    return bond_math.from_timestamp(resolve_time(spec, now_ts))


def units(amount: Decimal, decimals: int, where: str) -> int:
    """Whole stablecoin ``amount`` -> integer units; refuses anything below one unit."""
    scaled = amount * (10**decimals)
    if scaled != scaled.to_integral_value():
        raise DeployConfigError(
            "<plan>",
            [
                ConfigIssue(
                    where,
                    f"{amount} has more decimals than the stablecoin's {decimals}",
                    f"round it to {decimals} decimals",
                )
            ],
        )
    return int(scaled)


@dataclass(frozen=True)
class BondPlan:
    key: str  # "corporate" or "sovereign"
    config: BondConfig
    basis: bond_math.DayCount
    issue: date
    maturity: date
    table: list[bond_math.CouponPeriod]
    denomination_units: int
    issue_volume_wei: int
    target_units: int
    min_ticket_units: int
    min_raise_units: int  # 0 = the target (the Escrow's convention)
    duration_s: int
    deadline_ts: int  # planned: DEADLINE on-chain is the deploy block's time + duration_s

    @property
    def coupon_dates(self) -> list[int]:
        return [p.end_ts for p in self.table]

    @property
    def coupon_amounts(self) -> list[int]:
        return [p.coupon_units for p in self.table]


@dataclass(frozen=True)
class ConversionPlan:
    debt_threshold_bps: int
    growth_threshold_bps: int
    alpha: int
    beta: int
    gamma: int
    plt_maturity: int
    max_age: int
    confirmation_delay: int
    confirmations: int

    def as_terms(self) -> dict[str, int]:
        return {
            "debt_threshold_bps": self.debt_threshold_bps,
            "growth_threshold_bps": self.growth_threshold_bps,
            "alpha": self.alpha,
            "beta": self.beta,
            "gamma": self.gamma,
            "plt_maturity": self.plt_maturity,
            "max_age": self.max_age,
            "confirmation_delay": self.confirmation_delay,
            "confirmations": self.confirmations,
        }


@dataclass(frozen=True)
class Plan:
    """Concrete numbers for one deployment (what :func:`deploy_protocol` executes)."""

    now_ts: int
    decimals: int
    corporate: BondPlan
    sovereign: BondPlan
    conversion: ConversionPlan
    pool_kyc_expiry: int
    mint_units: dict[str, int] = field(default_factory=dict)


MAX_ROUND_S = 365 * DAY  # Escrow.MAX_DURATION
MAX_PLT_TERM_S = 50 * 31_557_600  # DebtConversion.MAX_TERM


def resolve_plan(config: DeployConfig, now_ts: int, decimals: int) -> Plan:
    """Resolve dates against ``now_ts`` (chain time) and amounts against the stablecoin's
    ``decimals``; check every rule the contracts would otherwise reject at deployment.

    Raises:
        DeployConfigError: every problem found, each with its key and fix.
    """
    issues: list[ConfigIssue] = []
    bonds = {}
    for key in ("corporate", "sovereign"):
        plan = _bond_plan(key, getattr(config, key), now_ts, decimals, issues)
        if plan is not None:
            bonds[key] = plan
    c = config.sovereign.conversion
    where = "sovereign.conversion"
    plt_maturity = resolve_time(c.plt_maturity, now_ts)
    if plt_maturity <= now_ts:
        issues.append(
            ConfigIssue(
                f"{where}.plt_maturity",
                f"T ({_show(plt_maturity)}) is not after the deployment ({_show(now_ts)})",
                'use a later date, e.g. "+10y"',
            )
        )
    elif plt_maturity > now_ts + MAX_PLT_TERM_S:
        issues.append(
            ConfigIssue(f"{where}.plt_maturity", "T is more than 50 years away", "bring T closer")
        )
    conversion = ConversionPlan(
        debt_threshold_bps=c.debt_threshold_bps,
        growth_threshold_bps=c.growth_threshold_bps,
        alpha=int(c.alpha * WAD),
        beta=int(c.beta * WAD),
        gamma=int(c.gamma * WAD),
        plt_maturity=plt_maturity,
        max_age=c.max_age_days * DAY,
        confirmation_delay=c.confirmation_delay_days * DAY,
        confirmations=c.confirmations,
    )
    pool_expiry = resolve_time(config.whitelist.pool_kyc_expiry, now_ts)
    latest_maturity = max((b.table[-1].end_ts for b in bonds.values()), default=now_ts)
    if pool_expiry <= latest_maturity:
        issues.append(
            ConfigIssue(
                "whitelist.pool_kyc_expiry",
                f"the pools' KYC would lapse ({_show(pool_expiry)}) before the last maturity "
                f"({_show(latest_maturity)}): a lapsed pool cannot collect its coupons",
                'set it after both maturities, e.g. "+10y" (or renew in time)',
            )
        )
    mint: dict[str, int] = {}
    for name, amount in config.stablecoin.mint.items():
        try:
            mint[name] = units(amount, decimals, f"stablecoin.mint.{name}")
        except DeployConfigError as exc:
            issues.extend(exc.issues)
    if issues:
        raise DeployConfigError("<plan>", issues)
    return Plan(
        now_ts=now_ts,
        decimals=decimals,
        corporate=bonds["corporate"],
        sovereign=bonds["sovereign"],
        conversion=conversion,
        pool_kyc_expiry=pool_expiry,
        mint_units=mint,
    )


def _show(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _bond_plan(
    key: str, bond: BondConfig, now_ts: int, decimals: int, issues: list[ConfigIssue]
) -> BondPlan | None:
    start = len(issues)
    basis = bond_math.DayCount.parse(bond.day_count)
    issue = resolve_date(bond.issue_date, now_ts)
    if bond.tenor_years is not None:
        last = bond_math.days_in_month(issue.year + bond.tenor_years, issue.month)
        maturity = date(issue.year + bond.tenor_years, issue.month, min(issue.day, last))
    else:
        maturity = resolve_date(bond.maturity, now_ts)
    deadline = resolve_time(bond.round.deadline, now_ts)
    duration = deadline - now_ts
    if duration <= 0:
        issues.append(
            ConfigIssue(
                f"{key}.round.deadline",
                f"the deadline ({_show(deadline)}) is not after the deployment ({_show(now_ts)})",
                'use a later date or a relative deadline such as "+30d"',
            )
        )
    elif duration > MAX_ROUND_S:
        issues.append(
            ConfigIssue(
                f"{key}.round.deadline",
                f"the round would last {duration // DAY} days (at most 365)",
                "bring the deadline closer",
            )
        )
    if bond_math.to_timestamp(issue) < deadline:
        issues.append(
            ConfigIssue(
                f"{key}.issue_date",
                f"the issue date ({issue}) is before the round's deadline ({_show(deadline)})",
                "issue after the round closes, e.g. issue_date a few days after the deadline",
            )
        )
    if maturity <= issue:
        issues.append(
            ConfigIssue(
                f"{key}.maturity",
                f"maturity ({maturity}) is not after the issue date ({issue})",
                "use a later maturity or a positive tenor_years",
            )
        )
        return None
    try:
        table = bond_math.coupon_table(
            issue,
            maturity,
            bond.frequency,
            bond.coupon_rate_bps,
            units(bond.denomination, decimals, f"{key}.denomination"),
            basis,
            bond.end_of_month,
        )
    except DeployConfigError as exc:
        issues.extend(exc.issues)
        return None
    except ValueError as exc:
        issues.append(ConfigIssue(f"{key}.maturity", str(exc), "check the bond's dates"))
        return None
    if len(table) > 128:
        issues.append(
            ConfigIssue(
                f"{key}.frequency",
                f"{len(table)} coupon periods (the bond holds at most 128)",
                "use a shorter tenor or fewer coupons a year",
            )
        )
    if table[0].end_ts <= deadline:
        issues.append(
            ConfigIssue(
                f"{key}.round.deadline",
                f"the deadline ({_show(deadline)}) is not before the first coupon date "
                f"({table[0].end}): buyers would miss coupon 1",
                "close the round earlier or issue later",
            )
        )
    amounts = {}
    for name in ("target", "min_ticket", "min_raise"):
        value = getattr(bond.round, name)
        if value is None:
            amounts[name] = 0
            continue
        try:
            amounts[name] = units(value, decimals, f"{key}.round.{name}")
        except DeployConfigError as exc:
            issues.extend(exc.issues)
    denomination = units(bond.denomination, decimals, f"{key}.denomination")
    if "target" in amounts:
        unit = _commitment_unit(denomination)
        if amounts["target"] % unit:
            issues.append(
                ConfigIssue(
                    f"{key}.round.target",
                    f"the target is not a multiple of the commitment unit ({unit} units)",
                    "round the target to a multiple of the denomination",
                )
            )
        elif amounts["target"] * 10**18 // denomination > bond.issue_volume * 10**18:
            issues.append(
                ConfigIssue(
                    f"{key}.round.target",
                    "the target buys more tokens than the issue volume",
                    "raise issue_volume or lower the target",
                )
            )
    if len(issues) > start:
        return None
    return BondPlan(
        key=key,
        config=bond,
        basis=basis,
        issue=issue,
        maturity=maturity,
        table=table,
        denomination_units=denomination,
        issue_volume_wei=bond.issue_volume * 10**18,
        target_units=amounts["target"],
        min_ticket_units=amounts["min_ticket"],
        min_raise_units=amounts["min_raise"],
        duration_s=duration,
        deadline_ts=deadline,
    )


def _commitment_unit(denomination: int) -> int:
    """Escrow.UNIT: denomination / gcd(denomination, 10**18)."""
    from math import gcd

    return denomination // gcd(denomination, 10**18)


# ---------------------------------------------------------------------------- loading
_FIXES = {
    "missing": "add this key (see config/deploy.local.yaml)",
    "int_parsing": "write a whole number",
    "int_type": "write a whole number",
    "int_from_float": "write a whole number",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "string_type": "write a string (quote it)",
    "string_too_long": "shorten it (the contract stores a fixed-size string)",
    "literal_error": "use one of the values listed",
    "dict_type": "write a mapping (key: value lines)",
    "model_type": "write a mapping (key: value lines)",
}


def _known(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys the model at ``loc`` accepts (for "did you mean")."""
    import typing

    current: Any = model
    for item in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(str(item))
        if info is None:
            return []
        candidates = [info.annotation, *typing.get_args(info.annotation)]
        current = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def parse_config(data: Any, *, source: str = "<config>") -> DeployConfig:
    if not isinstance(data, dict):
        raise DeployConfigError(
            source,
            [
                ConfigIssue(
                    "(top level)",
                    "the file is not a YAML mapping",
                    "start from config/deploy.local.yaml",
                )
            ],
        )
    try:
        return DeployConfig.model_validate(data)
    except ValidationError as exc:
        issues: list[ConfigIssue] = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            where = config_location(loc)
            ctx = error.get("ctx") or {}
            kind = error["type"]
            if kind == "deploy_config":
                issues.append(ConfigIssue(where, str(ctx["problem"]), str(ctx["fix"])))
            elif kind == "extra_forbidden":
                key = str(loc[-1])
                known = _known(DeployConfig, loc[:-1])
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(known)}"
                issues.append(ConfigIssue(where, f"unknown key `{key}`", f"remove it; {hint}"))
            else:
                fix = _FIXES.get(kind)
                if fix is None:
                    fix = (
                        "use a value within the stated limit"
                        if "greater" in kind or "less" in kind
                        else "see docs/deploy.md for the allowed values"
                    )
                got = f" (got {error['input']!r})" if kind != "missing" else ""
                issues.append(ConfigIssue(where, f"{error['msg']}{got}", fix))
        raise DeployConfigError(source, issues) from None


def load_config(path: str | Path) -> DeployConfig:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise DeployConfigError(
            str(path),
            [ConfigIssue("(file)", f"cannot read it: {exc.strerror or exc}", "check --config")],
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise DeployConfigError(
            str(path),
            [
                ConfigIssue(
                    where, f"not valid YAML: {getattr(exc, 'problem', exc)}", "fix the syntax"
                )
            ],
        ) from None
    return parse_config(data, source=str(path))
