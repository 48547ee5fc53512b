"""Collect the coupons each SteadyAMM pool's bond tokens have earned into the pool, and
apply a debt conversion to its reserves.

For each configured pool, one pass:

1. ``claimable_coupons(pool, 1, recorded_periods())`` on the bond says what the pool is
   owed from funded coupons it has not collected (``keeper_amm_uncollected_coupon_units``).
   Zero: nothing is sent. Otherwise the periods with something claimable are found one by
   one and collected with ``collect_coupons(first, last)``, at most
   ``MAX_PERIODS_PER_CALL`` periods per call (the bond skips periods already collected or
   unfunded in the range). A period topped up after a partial funding becomes claimable
   again and is collected again; nothing is ever collected twice (the bond keeps per-holder
   claim bits).
2. The bond pays only KYC-verified holders: an unverified pool (or a paused bond) is an
   alert and nothing is sent; the coupons wait in the bond.
3. After the bond's debt conversion (``converted()``), ``sync_conversion()`` rescales the
   reserves (trades do it too). The pool exposes no "synced" view, so the call is first
   made with ``eth_call``: it is sent only if it would succeed, and a pool seen synced is
   remembered (it never unsyncs).

Keys: ``amm_collect:<pool>:<first>-<last>`` and ``amm_sync:<pool>``. Both calls are
permissionless (no role). The job never trades, adds or removes liquidity, and never
calls ``collect_coupons`` when the bond says nothing is collectable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web3.exceptions import ContractLogicError

from keeper.abi import BOND_COUPON_CLAIM_ABI, STEADY_AMM_ABI, WHITELIST_ABI
from keeper.jobs.base import Job, JobContext, JobReport
from keeper.jobs.common import send_action, verify_contract
from keeper.settings import AmmJob, NamedContract
from keeper.tx import revert_reason

AVAILABLE = True
CONTRACT = "SteadyAMM"
MAX_PERIODS_PER_CALL = 32  # collect_coupons range per transaction (the bond loops over it)


def period_ranges(periods: list[int], max_len: int) -> list[tuple[int, int]]:
    """Cover the sorted ``periods`` with ranges of at most ``max_len`` periods each, from
    the first period to collect; gaps inside a range cost the bond one skipped step."""
    ranges: list[tuple[int, int]] = []
    i = 0
    while i < len(periods):
        first = periods[i]
        j = i
        while j + 1 < len(periods) and periods[j + 1] - first < max_len:
            j += 1
        ranges.append((first, periods[j]))
        i = j + 1
    return ranges


@dataclass
class _Pool:
    cfg: NamedContract
    contract: Any
    bond: Any
    whitelist: Any
    synced: bool = False  # conversion seen applied (never reverts)

    @property
    def address(self) -> str:
        return str(self.contract.address)


class AmmJobRunner(Job):
    name = "amm"

    def __init__(self, ctx: JobContext, settings: AmmJob) -> None:
        super().__init__(ctx)
        self.settings = settings
        self.pools: list[_Pool] = []

    def setup(self) -> None:
        self.pools = []
        for i, cfg in enumerate(self.settings.pools):
            where = f"jobs.amm.pools[{i}] ({cfg.name})"
            contract = verify_contract(
                self.ctx, cfg.address, STEADY_AMM_ABI, where=where, what=CONTRACT,
                probes={"BOND": None, "STABLECOIN": None, "FEED": None, "MATURITY": None,
                        "reserves": None},
            )  # fmt: skip
            bond = verify_contract(
                self.ctx, contract.functions.BOND().call(), BOND_COUPON_CLAIM_ABI,
                where=f"{where} BOND()", what="BondToken",
                probes={"recorded_periods": None, "WHITELIST": None, "converted": None},
            )  # fmt: skip
            whitelist = self.ctx.chain.contract(bond.functions.WHITELIST().call(), WHITELIST_ABI)
            self.pools.append(_Pool(cfg=cfg, contract=contract, bond=bond, whitelist=whitelist))

    # --------------------------------------------------------------------- reading
    def _uncollected(self, pool: _Pool) -> tuple[int, int]:
        """(recorded periods, stablecoin units the pool may collect now)."""
        bond = pool.bond.functions
        recorded = int(bond.recorded_periods().call())
        if recorded == 0:
            return 0, 0
        return recorded, int(bond.claimable_coupons(pool.address, 1, recorded).call())

    def _collectable_periods(self, pool: _Pool, recorded: int) -> list[int]:
        bond = pool.bond.functions
        return [
            k
            for k in range(1, recorded + 1)
            if int(bond.claimable_coupons(pool.address, k, k).call()) > 0
        ]

    # --------------------------------------------------------------------- acting
    def run(self) -> JobReport:
        report = JobReport(job=self.name)
        for pool in self.pools:
            self._collect(pool, report)
            self._sync(pool, report)
        return report

    def _collect(self, pool: _Pool, report: JobReport) -> None:
        recorded, owed = self._uncollected(pool)
        self.ctx.metrics.amm_uncollected_coupons.labels(pool=pool.cfg.name).set(owed)
        if owed == 0:
            return
        if not pool.whitelist.functions.is_verified(pool.address).call():
            report.alerts.append(
                f"{pool.cfg.name}: {owed} stablecoin units of coupons wait in the bond: the "
                f"pool {pool.address} is not KYC-verified in the Whitelist (register it)"
            )
            return
        if pool.bond.functions.paused().call():
            report.alerts.append(
                f"{pool.cfg.name}: {owed} stablecoin units of coupons wait: the bond is paused"
            )
            return
        fns = pool.contract.functions
        periods = self._collectable_periods(pool, recorded)
        for first, last in period_ranges(periods, MAX_PERIODS_PER_CALL):
            send_action(
                self.ctx, report, f"amm_collect:{pool.address}:{first}-{last}",
                "amm_collect", pool.address,
                fns.collect_coupons(first, last)._encode_transaction_data(),
            )  # fmt: skip
        if not self.ctx.dry_run:
            self.ctx.metrics.amm_uncollected_coupons.labels(pool=pool.cfg.name).set(
                self._uncollected(pool)[1]
            )

    def _sync(self, pool: _Pool, report: JobReport) -> None:
        if pool.synced or not pool.bond.functions.converted().call():
            return
        fn = pool.contract.functions.sync_conversion()
        try:
            fn.call({"from": self.ctx.chain.address}, "pending")
        except ContractLogicError as exc:
            reason = revert_reason(exc)
            if "already synced" in reason:
                pool.synced = True
            else:
                report.skipped.append(f"amm_sync:{pool.address}: {reason}")
            return
        result = send_action(
            self.ctx, report, f"amm_sync:{pool.address}", "amm_sync", pool.address,
            fn._encode_transaction_data(),
        )  # fmt: skip
        if result is not None and not self.ctx.dry_run:
            pool.synced = True

    # --------------------------------------------------------------------- status
    def status(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for pool in self.pools:
            recorded, owed = self._uncollected(pool)
            x, y, cash = pool.contract.functions.reserves().call()
            converted = bool(pool.bond.functions.converted().call())
            synced = None
            if converted:
                try:
                    pool.contract.functions.sync_conversion().call({"from": self.ctx.chain.address})
                    synced = False  # would succeed: not applied yet
                except ContractLogicError as exc:
                    synced = "already synced" in revert_reason(exc)
            rows.append(
                {
                    "pool": pool.cfg.name,
                    "address": pool.address,
                    "recorded_periods": recorded,
                    "uncollected_coupon_units": owed,
                    "uncollected_periods": self._collectable_periods(pool, recorded)
                    if owed
                    else [],
                    "pool_verified": bool(
                        pool.whitelist.functions.is_verified(pool.address).call()
                    ),
                    "reserves": {"bond": int(x), "curve_stable": int(y), "cash": int(cash)},
                    "bond_converted": converted,
                    "conversion_synced": synced,
                }
            )
        return rows


def build(ctx: JobContext, settings: AmmJob) -> AmmJobRunner:
    return AmmJobRunner(ctx, settings)
