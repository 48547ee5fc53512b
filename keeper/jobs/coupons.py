"""Roll record dates and fund coupons and redemption when chain time says they are due.

For each configured bond, one pass:

1. ``due_periods()`` (coupon dates <= chain time) vs ``recorded_periods()``: when chain
   time has passed a record date nobody snapshotted yet, call ``roll()`` (anyone may).
2. For every recorded period, oldest first, ``coupon_record(k)`` gives ``(shares, due,
   funded)``; what is missing, ``due - funded``, is funded from the signer (the paying
   agent) with ``fund_coupon(k, amount)``. After maturity the same for the principal
   (``redemption_state()`` / ``fund_redemption``).
3. **Partial funding.** The agent can fund at most ``min(stablecoin balance, allowance to
   the bond)`` (or its whole balance with ``auto_approve``, which approves first). When
   that is short, the oldest periods get what there is, the rest is reported as a
   shortfall: the ``keeper_coupon_shortfall_units{bond,period}`` gauge and a warning log.
   A later pass tops up once money arrives (the contract pays holders pro rata).

Nothing here reads wall-clock time; a period is due because the chain says so. A period
seen complete (``funded == due``) is remembered in memory and never read again (funding
never decreases), so a long-lived keeper does a handful of calls per pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from keeper.abi import BOND_ABI, ERC20_ABI
from keeper.exceptions import SimulationReverted, UnsafeStateError
from keeper.jobs.base import Job, JobContext, JobReport
from keeper.settings import BondSettings, CouponsJob

AVAILABLE = True
MAX_UINT256 = 2**256 - 1


# ----------------------------------------------------------------- decision logic
@dataclass(frozen=True, slots=True)
class Funding:
    """What the bond owes for one period (``period`` 0 = redemption), in stablecoin units."""

    period: int
    due: int
    funded: int

    @property
    def missing(self) -> int:
        return max(self.due - self.funded, 0)


@dataclass(frozen=True, slots=True)
class FundAction:
    period: int  # 0 = redemption
    amount: int
    shortfall: int  # what stays unfunded after this action


@dataclass
class FundingPlan:
    actions: list[FundAction] = field(default_factory=list)
    shortfalls: dict[int, int] = field(default_factory=dict)  # period -> units unfunded
    approve: bool = False


def plan_funding(
    owed: list[Funding],
    *,
    balance: int,
    allowance: int,
    bond: BondSettings,
) -> FundingPlan:
    """Decide the funding transactions for ``owed`` (oldest first), given what the agent
    has. Pure: the unit tests drive it with plain numbers."""
    plan = FundingPlan()
    total_missing = sum(f.missing for f in owed)
    if total_missing == 0:
        return plan
    if bond.auto_approve and allowance < min(balance, total_missing):
        plan.approve = True
        available = balance
    else:
        available = min(balance, allowance)
    for item in owed:
        need = item.missing
        if need == 0:
            continue
        amount = min(need, available)
        if bond.max_funding_units is not None:
            amount = min(amount, bond.max_funding_units)
        if amount < need and amount < bond.min_partial_units:
            amount = 0  # not worth a transaction; reported as a shortfall
        if amount > 0:
            plan.actions.append(FundAction(item.period, amount, need - amount))
            available -= amount
        if need - amount > 0:
            plan.shortfalls[item.period] = need - amount
    return plan


# ---------------------------------------------------------------------------- job
class _Bond:
    """Chain handles and memory for one bond."""

    def __init__(self, ctx: JobContext, cfg: BondSettings) -> None:
        self.cfg = cfg
        self.contract = ctx.chain.contract(cfg.address, BOND_ABI)
        self.stablecoin = ctx.chain.contract(self.contract.functions.STABLECOIN().call(), ERC20_ABI)
        self.period_count = int(self.contract.functions.periodCount().call())
        self.complete: set[int] = set()  # periods seen fully funded (never decreases)
        self.redemption_complete = False

    @property
    def address(self) -> str:
        return str(self.contract.address)


class CouponsJobRunner(Job):
    name = "coupons"

    def __init__(self, ctx: JobContext, settings: CouponsJob) -> None:
        super().__init__(ctx)
        self.settings = settings
        self.bonds: list[_Bond] = []

    def setup(self) -> None:
        me = self.ctx.chain.address
        self.bonds = []
        for cfg in self.settings.bonds:
            bond = _Bond(self.ctx, cfg)
            if cfg.fund_coupons or cfg.fund_redemption:
                role = bond.contract.functions.PAYING_AGENT_ROLE().call()
                if not bond.contract.functions.hasRole(role, me).call():
                    raise UnsafeStateError(
                        f"jobs.coupons.bonds ({cfg.name}): the signer {me} lacks "
                        f"PAYING_AGENT_ROLE on {cfg.address}; grant it, or set "
                        "fund_coupons: false and fund_redemption: false to only roll"
                    )
            self.bonds.append(bond)

    # --------------------------------------------------------------------- reading
    def _owed(self, bond: _Bond) -> list[Funding]:
        fns = bond.contract.functions
        recorded = int(fns.recorded_periods().call())
        owed: list[Funding] = []
        if bond.cfg.fund_coupons:
            for k in range(1, recorded + 1):
                if k in bond.complete:
                    continue
                _, due, funded = fns.coupon_record(k).call()
                item = Funding(k, int(due), int(funded))
                if item.missing == 0:
                    bond.complete.add(k)
                    self.ctx.metrics.coupon_shortfall.labels(bond=bond.cfg.name, period=str(k)).set(
                        0
                    )
                    continue
                owed.append(item)
        if (
            bond.cfg.fund_redemption
            and recorded >= bond.period_count
            and not bond.redemption_complete
        ):
            due, funded, _ = fns.redemption_state().call()
            item = Funding(0, int(due), int(funded))
            if item.missing == 0:
                bond.redemption_complete = True
                self.ctx.metrics.coupon_shortfall.labels(
                    bond=bond.cfg.name, period="redemption"
                ).set(0)
            else:
                owed.append(item)
        return owed

    # --------------------------------------------------------------------- acting
    def run(self) -> JobReport:
        report = JobReport(job=self.name)
        for bond in self.bonds:
            self._run_bond(bond, report)
        return report

    def _send(self, report: JobReport, key: str, label: str, to: str, data: str) -> bool:
        try:
            result = self.ctx.tx.send(key, label, to, data)
        except SimulationReverted as exc:
            report.skipped.append(f"{key}: {exc.reason}")
            return False
        report.actions.append(f"{key} ({result.status})")
        return True

    def _run_bond(self, bond: _Bond, report: JobReport) -> None:
        fns = bond.contract.functions
        due_periods = int(fns.due_periods().call())
        recorded = int(fns.recorded_periods().call())
        if due_periods > recorded:
            self._send(
                report,
                f"roll:{bond.address}:{due_periods}",
                "roll",
                bond.address,
                fns.roll()._encode_transaction_data(),
            )
        if not (bond.cfg.fund_coupons or bond.cfg.fund_redemption):
            return
        owed = self._owed(bond)
        if not owed:
            return
        me = self.ctx.chain.address
        balance = int(bond.stablecoin.functions.balanceOf(me).call())
        allowance = int(bond.stablecoin.functions.allowance(me, bond.address).call())
        plan = plan_funding(owed, balance=balance, allowance=allowance, bond=bond.cfg)
        if plan.approve:
            self._send(
                report,
                f"approve:{bond.stablecoin.address}:{bond.address}",
                "approve",
                str(bond.stablecoin.address),
                bond.stablecoin.functions.approve(
                    bond.address, MAX_UINT256
                )._encode_transaction_data(),
            )
        for action in plan.actions:
            if action.period == 0:
                key = f"fund_redemption:{bond.address}"
                data = fns.fund_redemption(action.amount)._encode_transaction_data()
            else:
                key = f"fund_coupon:{bond.address}:{action.period}"
                data = fns.fund_coupon(action.period, action.amount)._encode_transaction_data()
            label = "fund_redemption" if action.period == 0 else "fund_coupon"
            if self._send(report, key, label, bond.address, data) and action.shortfall == 0:
                if action.period == 0:
                    bond.redemption_complete = not self.ctx.dry_run
                elif not self.ctx.dry_run:
                    bond.complete.add(action.period)
        for period, missing in plan.shortfalls.items():
            name = "redemption" if period == 0 else str(period)
            self.ctx.metrics.coupon_shortfall.labels(bond=bond.cfg.name, period=name).set(missing)
            message = (
                f"{bond.cfg.name} {'redemption' if period == 0 else f'coupon {period}'}: "
                f"{missing} stablecoin units due but not fundable (agent balance {balance}, "
                f"allowance {allowance})"
            )
            report.alerts.append(message)
            self.log.warning(
                "funding shortfall",
                extra={"bond": bond.cfg.name, "period": name, "missing_units": missing,
                       "balance": balance, "allowance": allowance},
            )  # fmt: skip
        for action in plan.actions:
            if action.shortfall == 0:
                name = "redemption" if action.period == 0 else str(action.period)
                self.ctx.metrics.coupon_shortfall.labels(bond=bond.cfg.name, period=name).set(0)

    # --------------------------------------------------------------------- status
    def status(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        me = self.ctx.chain.address
        for bond in self.bonds:
            fns = bond.contract.functions
            recorded = int(fns.recorded_periods().call())
            unfunded = []
            for k in range(1, recorded + 1):
                _, due, funded = fns.coupon_record(k).call()
                if funded < due:
                    unfunded.append({"period": k, "due": int(due), "funded": int(funded)})
            due_periods = int(fns.due_periods().call())
            next_date = None
            if due_periods < bond.period_count:
                next_date = int(fns.coupon_period(due_periods + 1).call()[0])
            red_due, red_funded, supply = fns.redemption_state().call()
            rows.append(
                {
                    "bond": bond.cfg.name,
                    "address": bond.address,
                    "periods": bond.period_count,
                    "due_periods": due_periods,
                    "recorded_periods": recorded,
                    "roll_needed": due_periods > recorded,
                    "next_coupon_date": next_date,
                    "unfunded_coupons": unfunded,
                    "redemption": {
                        "due": int(red_due),
                        "funded": int(red_funded),
                        "supply": int(supply),
                    },
                    "agent_balance": int(bond.stablecoin.functions.balanceOf(me).call()),
                    "agent_allowance": int(
                        bond.stablecoin.functions.allowance(me, bond.address).call()
                    ),
                }
            )
        return rows


def build(ctx: JobContext, settings: CouponsJob) -> CouponsJobRunner:
    return CouponsJobRunner(ctx, settings)
