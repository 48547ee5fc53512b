"""Fault tests against a separately started Anvil: a stuck transaction replaced with a
higher fee, the keeper killed (SIGKILL) mid-transaction and restarted, and the node
going away and coming back with its state."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from web3.exceptions import TransactionNotFound

from keeper.chain import ApeSigner, Chain
from keeper.scheduler import Keeper
from keeper.tx import MINED, PENDING, REVERTED
from tests.integration.anvil import AnvilNode, Deployed, keeper_env
from tests.integration.conftest import keeper_settings

ROOT = Path(__file__).resolve().parents[2]
FAST_TX = {"stuck_after_s": 0.4, "receipt_timeout_s": 60, "poll_interval_s": 0.05}


@pytest.fixture
def node(tmp_path):
    anvil = AnvilNode(tmp_path)
    anvil.start()
    yield anvil
    anvil.stop()


@pytest.fixture
def deployed(node, project, accounts) -> Deployed:
    return Deployed(node, project, list(accounts))


def node_keeper(node: AnvilNode, deployed: Deployed, data_dir: Path, accounts: Any, chain: Any,
                **tx: Any) -> Keeper:  # fmt: skip
    settings = keeper_settings(data_dir, deployed.bond.address, tx={**FAST_TX, **tx})
    signer = ApeSigner(accounts[3], chain.provider.network.ecosystem)
    return Keeper(settings, Chain(w3=node.w3, signer=signer, chain_id=node.w3.eth.chain_id))


def wait_for(condition: Any, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_stuck_transaction__replaced_with_higher_fee_and_mined_once(
    node, deployed, tmp_path, accounts, chain
):
    node.mine(deployed.coupon_date(1) + 1)
    node.automine(False)
    keeper = node_keeper(node, deployed, tmp_path / "k", accounts, chain)
    thread = threading.Thread(target=keeper.run_once)
    thread.start()
    # The roll sits in the mempool; after stuck_after_s the keeper re-sends it with the
    # same nonce and higher fees.
    wait_for(lambda: (keeper.metrics.value("keeper_tx_bumps_total") or 0) >= 2, what="2 bumps")
    assert node.mempool() == 1, "a replacement replaces; it does not queue a second tx"
    (rec,) = keeper.tx.pending()
    fees = [a["max_fee"] for a in rec.attempts]
    tips = [a["priority_fee"] for a in rec.attempts]
    assert fees == sorted(fees) and fees[-1] > fees[0] * 1.2 and tips[-1] > tips[0]
    node.automine(True)
    node.mine()
    thread.join(60)
    assert not thread.is_alive()
    roll = next(r for r in keeper.store.all() if r.label == "roll")
    assert roll.status == MINED
    mined = node.w3.eth.get_transaction_receipt(roll.attempts[-1]["hash"])
    assert mined["status"] == 1 and int(mined["effectiveGasPrice"]) > 0
    # Mined exactly once: the earlier hashes of the same nonce never made it.
    for attempt in roll.attempts[:-1]:
        with pytest.raises(TransactionNotFound):
            node.w3.eth.get_transaction_receipt(attempt["hash"])
    due, funded = deployed.funded(1)
    assert funded == due and deployed.funding_count(1) == 1
    keeper.close()


def test_fee_cap__stuck_transaction_not_bumped_beyond_cap(
    node, deployed, tmp_path, accounts, chain
):
    node.mine(deployed.coupon_date(1) + 1)
    node.automine(False)
    keeper = node_keeper(node, deployed, tmp_path / "k", accounts, chain, max_fee_gwei=3)
    thread = threading.Thread(target=keeper.run_once)
    thread.start()
    wait_for(lambda: (keeper.metrics.value("keeper_tx_bumps_total") or 0) >= 1, what="a bump")

    def bumps() -> float:
        return keeper.metrics.value("keeper_tx_bumps_total") or 0

    # Bumps climb to the cap, then stop (the keeper keeps waiting at the cap).
    previous = -1.0
    while bumps() != previous:
        previous = bumps()
        time.sleep(1.0)  # 2.5 stuck periods
    (rec,) = keeper.tx.pending()
    fees = [a["max_fee"] for a in rec.attempts]
    assert max(fees) <= 3e9 and fees[-1] > 3e9 / 1.125, fees
    assert all(a["priority_fee"] <= a["max_fee"] for a in rec.attempts)
    keeper.stop.set()  # shutdown while waiting: the tx stays persisted
    thread.join(30)
    assert [r.status for r in keeper.store.all()] == [PENDING]
    keeper.close()


def _write_config(path: Path, node: AnvilNode, deployed: Deployed, data_dir: Path) -> Path:
    doc = {
        "version": 1,
        "chain": {"network": node.url, "chain_id": 31337},
        "signer": {"test_account": 3},
        "data_dir": str(data_dir),
        "health": {"enabled": False},
        "logging": {"level": "INFO", "json": True},
        "tx": {"stuck_after_s": 30, "receipt_timeout_s": 120, "poll_interval_s": 0.05},
        "jobs": {
            "coupons": {
                "interval_s": 1,
                "bonds": [{"name": "BL31", "address": deployed.bond.address}],
            }
        },
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def _pending_labels(db: Path) -> list[str]:
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        try:
            rows = conn.execute("SELECT label FROM txs WHERE status='pending'").fetchall()
        except sqlite3.OperationalError:
            return []
    return [r[0] for r in rows]


def _spawn_keeper(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "keeper", "once", "--config", str(config)],
        cwd=ROOT,
        env=keeper_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_sigkill_while_waiting_for_funding__restart_does_not_fund_twice(
    node, deployed, tmp_path, accounts, chain
):
    data_dir = tmp_path / "state"
    db = data_dir / "keeper-tx.sqlite"
    config = _write_config(tmp_path / "keeper.yaml", node, deployed, data_dir)
    node.mine(deployed.coupon_date(1) + 1)
    node.automine(False)
    proc = _spawn_keeper(config)
    try:
        wait_for(lambda: _pending_labels(db) == ["roll"], 60, "the roll to be sent")
        node.mine()  # roll mined; the keeper goes on to fund coupon 1
        wait_for(lambda: _pending_labels(db) == ["fund_coupon"], 30, "the funding to be sent")
        wait_for(lambda: node.mempool() == 1, 10, "the funding in the mempool")
        proc.kill()  # SIGKILL mid-transaction: sent, receipt not seen
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    node.mine()  # the funding is mined while the keeper is dead
    node.automine(True)
    restarted = node_keeper(node, deployed, data_dir, accounts, chain)
    report = restarted.run_once()[0]
    assert report.actions == []
    due, funded = deployed.funded(1)
    assert funded == due and deployed.funding_count(1) == 1
    statuses = sorted((r.label, r.status) for r in restarted.store.all())
    assert statuses == [("fund_coupon", MINED), ("roll", MINED)]
    restarted.close()


def test_sigkill_then_node_restart_loses_mempool__pending_tx_rebroadcast_and_mined_once(
    node, deployed, tmp_path, accounts, chain
):
    data_dir = tmp_path / "state"
    db = data_dir / "keeper-tx.sqlite"
    config = _write_config(tmp_path / "keeper.yaml", node, deployed, data_dir)
    node.mine(deployed.coupon_date(1) + 1)
    deployed.bond.functions.roll().transact({"from": accounts[0].address})  # someone rolls
    node.automine(False)
    node.mine()
    proc = _spawn_keeper(config)
    try:
        wait_for(lambda: _pending_labels(db) == ["fund_coupon"], 60, "the funding to be sent")
        wait_for(lambda: node.mempool() == 1, 10, "the funding in the mempool")
        proc.kill()
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    # The node goes down and comes back from its dumped state: the mempool is gone.
    node.stop()
    time.sleep(1.0)
    node.start(load_state=True)
    assert node.mempool() == 0
    assert deployed.funded(1)[1] == 0
    restarted = node_keeper(node, deployed, data_dir, accounts, chain)
    restarted.run_once()
    due, funded = deployed.funded(1)
    assert funded == due and deployed.funding_count(1) == 1
    assert not [r for r in restarted.store.all() if r.status == REVERTED]
    assert [r.status for r in restarted.store.all() if r.label == "fund_coupon"] == [MINED]
    restarted.close()
