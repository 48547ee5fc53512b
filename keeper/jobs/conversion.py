"""Drive each TSDCM (DebtConversion) through its Chainlink-Automation-style upkeep: convert
once its on-chain rule holds, then fold new growth data into the payout integral.

For each configured contract, one pass:

1. ``checkUpkeep(b"")`` (a view) says whether anything is due and returns the
   ``performData``: ``abi_encode(1)`` to convert (the rule holds: ``check()`` is OK) or
   ``abi_encode(2)`` to accrue (after the conversion: new or revised growth
   observations, nodes to hold at T, or the payout to finalise).
2. Due: ``performUpkeep(performData)``, simulated first (the contract checks every
   condition again). An accrual folds at most ``ACCRUE_STEPS`` entries per call, so the
   pass repeats while upkeep stays due (bounded by ``MAX_UPKEEPS_PER_PASS``).
3. Not due: nothing is sent. ``check()``'s code and reason are logged at debug level and
   exported as ``keeper_conversion_check_code{contract}``.

Keys: ``tsdcm:<contract>:convert`` and ``tsdcm:<contract>:accrue:<logCursor>:<accruedNodes>``
(the accrual state a call starts from, so a retry of the same step dedupes and the next
step gets a new key). Both are permissionless (no role). The job never funds or redeems the
payout and never claims PLT for anyone; the rule is the contract's, the keeper only calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import decode

from keeper.abi import DEBT_CONVERSION_ABI
from keeper.jobs.base import Job, JobContext, JobReport
from keeper.jobs.common import send_action, verify_contract
from keeper.settings import ConversionJob, NamedContract

AVAILABLE = True
CONTRACT = "DebtConversion"
ACTION_CONVERT = 1
ACTION_ACCRUE = 2
MAX_UPKEEPS_PER_PASS = 8


@dataclass
class _Conversion:
    cfg: NamedContract
    contract: Any

    @property
    def address(self) -> str:
        return str(self.contract.address)


class ConversionJobRunner(Job):
    name = "conversion"

    def __init__(self, ctx: JobContext, settings: ConversionJob) -> None:
        super().__init__(ctx)
        self.settings = settings
        self.contracts: list[_Conversion] = []

    def setup(self) -> None:
        self.contracts = []
        for i, cfg in enumerate(self.settings.contracts):
            contract = verify_contract(
                self.ctx, cfg.address, DEBT_CONVERSION_ABI,
                where=f"jobs.conversion.contracts[{i}] ({cfg.name})", what=CONTRACT,
                probes={"ACTION_CONVERT": ACTION_CONVERT, "ACTION_ACCRUE": ACTION_ACCRUE,
                        "BOND": None, "FEED": None, "check": None},
            )  # fmt: skip
            self.contracts.append(_Conversion(cfg=cfg, contract=contract))

    def run(self) -> JobReport:
        report = JobReport(job=self.name)
        for conv in self.contracts:
            self._run_one(conv, report)
        return report

    def _run_one(self, conv: _Conversion, report: JobReport) -> None:
        fns = conv.contract.functions
        for _ in range(MAX_UPKEEPS_PER_PASS):
            needed, perform_data = fns.checkUpkeep(b"").call()
            holds, code, reason = fns.check().call()
            self.ctx.metrics.conversion_check_code.labels(contract=conv.cfg.name).set(int(code))
            if not needed:
                self.log.debug(
                    "no upkeep", extra={"contract": conv.cfg.name, "code": code, "reason": reason}
                )
                return
            (action,) = decode(["uint256"], bytes(perform_data))
            if action == ACTION_CONVERT:
                key = f"tsdcm:{conv.address}:convert"
            elif action == ACTION_ACCRUE:
                cursor = int(fns.logCursor().call())
                nodes = int(fns.accruedNodes().call())
                key = f"tsdcm:{conv.address}:accrue:{cursor}:{nodes}"
            else:
                report.alerts.append(
                    f"{conv.cfg.name}: checkUpkeep asked for unknown action {action}; not sent"
                )
                return
            label = "tsdcm_convert" if action == ACTION_CONVERT else "tsdcm_accrue"
            data = fns.performUpkeep(bytes(perform_data))._encode_transaction_data()
            result = send_action(self.ctx, report, key, label, conv.address, data)
            if result is None or self.ctx.dry_run:
                return  # foreseen revert (reported), or nothing changes in a dry run
        report.alerts.append(
            f"{conv.cfg.name}: upkeep still due after {MAX_UPKEEPS_PER_PASS} calls; "
            "continuing next pass"
        )

    def status(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for conv in self.contracts:
            fns = conv.contract.functions
            holds, code, reason = fns.check().call()
            needed, perform_data = fns.checkUpkeep(b"").call()
            action = int(decode(["uint256"], bytes(perform_data))[0]) if needed else None
            rows.append(
                {
                    "contract": conv.cfg.name,
                    "address": conv.address,
                    "converted": bool(fns.converted().call()),
                    "conversion_time": int(fns.conversionTime().call()),
                    "check": {"holds": bool(holds), "code": int(code), "reason": reason},
                    "upkeep_needed": {ACTION_CONVERT: "convert", ACTION_ACCRUE: "accrue"}.get(
                        action or 0
                    ),
                    "accrual": {
                        "pending": bool(fns.accrual_pending().call()),
                        "log_cursor": int(fns.logCursor().call()),
                        "accrued_nodes": int(fns.accruedNodes().call()),
                        "node_count": int(fns.nodeCount().call()),
                    },
                    "payout": {
                        "final": bool(fns.payoutFinal().call()),
                        "rate_wad": int(fns.payoutRate().call()),
                        "due": int(fns.payoutDue().call()),
                        "funded": int(fns.payoutFunded().call()),
                        "paid": int(fns.payoutPaid().call()),
                        "total_retired": int(fns.totalRetired().call()),
                    },
                }
            )
        return rows


def build(ctx: JobContext, settings: ConversionJob) -> ConversionJobRunner:
    return ConversionJobRunner(ctx, settings)
