"""The main job, headless: ``python -m deployment.demo --headless`` runs the whole flow
(its own Anvil, the real keeper daemon as a subprocess), then this test loads the chain
state file the demo left behind into a fresh Anvil and checks every summary number
against what the chain says, read independently with web3 and the compiled ABIs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak
from web3 import HTTPProvider, Web3

from deployment.anvil import Anvil

ROOT = Path(__file__).resolve().parents[2]


def _abi(project: Any, name: str) -> list[dict[str, Any]]:
    ct = project.get_contract(name).contract_type
    return [item.model_dump(mode="json", by_alias=True) for item in ct.abi]


COUPON_FUNDED = "CouponFunded(uint256,address,uint256,uint256,uint256)"
COUPONS_CLAIMED = "CouponsClaimed(address,uint256,uint256,uint256)"
OBSERVATION = "ObservationReported(bytes3,uint8,uint256,int256,uint256,uint256,address)"


def _topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


@pytest.fixture(scope="module")
def demo(tmp_path_factory, project) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("demo-out")
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    result = subprocess.run(
        [sys.executable, "-m", "deployment.demo", "--headless", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert json.loads(result.stdout) == summary
    return summary, out


@pytest.fixture(scope="module")
def replay(demo) -> Any:
    """A fresh Anvil holding the state the demo left behind."""
    _, out = demo
    node = Anvil("--load-state", str(out / "chain-state.json")).start()
    yield Web3(HTTPProvider(node.url)), node
    node.stop()


def test_demo__outputs_exist(demo):
    summary, out = demo
    for name in ("summary.json", "demo.png", "deployment.json", "keeper.yaml", "oracle.yaml",
                 "keeper.log", "chain-state.json"):  # fmt: skip
        assert (out / name).stat().st_size > 0, name
    assert summary["steps"] >= 30 and summary["keeper"]["txs"] > 0


def test_demo__summary_agrees_with_the_chain(demo, replay, project):
    summary, out = demo
    w3, _node = replay
    deployment = json.loads((out / "deployment.json").read_text())
    contracts = deployment["contracts"]
    start = deployment["block"]
    assert w3.eth.block_number >= summary["deployment_block"] == start
    for name, expected in summary["bonds"].items():
        bond = w3.eth.contract(address=contracts[f"{name}.bond"], abi=_abi(project, "BondToken"))
        feed = contracts[f"{name}.price_feed"]
        periods = int(bond.functions.periodCount().call())
        assert expected["coupon_periods_due"] == periods  # the demo runs past maturity

        def logs(address: str, signature: str) -> list[Any]:
            return w3.eth.get_logs({"address": address, "fromBlock": start, "toBlock": "latest",
                                    "topics": [_topic(signature)]})  # fmt: skip

        funding = [
            bond.events.CouponFunded().process_log(x) for x in logs(bond.address, COUPON_FUNDED)
        ]
        # the keeper funded every period exactly once, in full
        assert sorted(e.args.period for e in funding) == list(range(1, periods + 1))
        for k in range(1, periods + 1):
            _, due, got = bond.functions.coupon_record(k).call()
            assert got == due > 0
        assert expected["coupons_funded_units"] == sum(e.args.amount for e in funding)
        claims = [
            bond.events.CouponsClaimed().process_log(x) for x in logs(bond.address, COUPONS_CLAIMED)
        ]
        assert expected["coupons_claimed_units"] == sum(e.args.amount for e in claims)
        pool = contracts[f"{name}.amm"]
        assert expected["pool_coupons_collected_units"] == sum(
            e.args.amount for e in claims if e.args.holder == pool
        )
        assert expected["pool_coupons_collected_units"] > 0
        due, red_funded, _ = bond.functions.redemption_state().call()
        assert (expected["redemption_due_units"], expected["redemption_funded_units"]) == (
            due, red_funded)  # fmt: skip
        assert red_funded == due > 0
        redeemed = [bond.events.Redeemed().process_log(x) for x in
                    logs(bond.address, "Redeemed(address,uint256,uint256)")]  # fmt: skip
        assert expected["redemption_paid_units"] == sum(e.args.paid for e in redeemed) > 0
        escrow = w3.eth.contract(address=contracts[f"{name}.escrow"], abi=_abi(project, "Escrow"))
        totals = escrow.functions.totals().call()
        # Totals(committed, paid, initial, raised, refunded, to_custodian, claimed, held, investors)
        assert expected["raised_units"] == totals[3] == totals[5] == totals[6] > 0
        assert expected["round_phase"] == "succeeded" and totals[7] == 0
        assert expected["investors_delivered"] == totals[8]
        updates = logs(feed, "AnswerUpdated(int256,uint256,uint256)")
        assert expected["price_updates"] == len(updates) > 0
    conversion = w3.eth.contract(
        address=contracts["sovereign.conversion"], abi=_abi(project, "DebtConversion")
    )
    tau = conversion.functions.conversionTime().call()
    assert summary["conversion"]["converted"] is True and tau == summary["conversion"]["time"]
    retired = conversion.functions.totalRetired().call()
    assert retired > 0 and summary["conversion"]["retired"] == pytest.approx(retired / 10**18)
    macro = contracts["macro_feed"]
    reported = w3.eth.get_logs(
        {"address": macro, "fromBlock": start, "toBlock": "latest", "topics": [_topic(OBSERVATION)]}
    )
    assert summary["macro_updates"] == len(reported) >= 2
