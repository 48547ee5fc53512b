"""Transaction manager against a fake node: simulation, nonces, persistence, bumps."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keeper.exceptions import (
    FeeCapExceeded,
    NonceConflict,
    SimulationReverted,
    TxAbandoned,
    TxReverted,
)
from keeper.metrics import Metrics
from keeper.settings import TxSettings
from keeper.tx import (
    DROPPED,
    GWEI,
    MINED,
    PENDING,
    REVERTED,
    FeePolicy,
    Fees,
    TxManager,
    TxStore,
    next_nonce,
)
from tests.keeper.fakes import TARGET, FakeEth, fake_chain

FAST = TxSettings(stuck_after_s=0.05, receipt_timeout_s=5, poll_interval_s=0.01)


def manager(eth: FakeEth, data_dir: Path, settings: TxSettings = FAST, **kw) -> TxManager:
    return TxManager(fake_chain(eth), settings, TxStore.in_dir(data_dir), Metrics(), **kw)


# ------------------------------------------------------------------- fee policy
POLICY = FeePolicy(priority_fee=1 * GWEI, base_fee_multiplier=2, max_fee_cap=50 * GWEI,
                   bump_percent=12.5)  # fmt: skip


def test_initial_fees__twice_base_plus_tip():
    assert POLICY.initial(10 * GWEI) == Fees(max_fee=21 * GWEI, priority_fee=1 * GWEI)


def test_initial_fees__clamped_to_cap_when_base_fits():
    assert POLICY.initial(40 * GWEI).max_fee == 50 * GWEI


def test_initial_fees__base_above_cap__refused():
    with pytest.raises(FeeCapExceeded, match="max_fee_gwei"):
        POLICY.initial(50 * GWEI)


def test_bump__both_fees_rise_at_least_ten_percent():
    bumped = POLICY.bump(Fees(20 * GWEI, 1 * GWEI), base_fee=5 * GWEI)
    assert bumped is not None
    assert bumped.max_fee >= 22 * GWEI and bumped.priority_fee >= 1.1 * GWEI


def test_bump__follows_a_rising_base_fee():
    bumped = POLICY.bump(Fees(3 * GWEI, 1 * GWEI), base_fee=10 * GWEI)
    assert bumped is not None and bumped.max_fee >= 2 * 10 * GWEI + bumped.priority_fee


def test_bump__at_cap__none():
    assert POLICY.bump(Fees(50 * GWEI, 2 * GWEI), base_fee=GWEI) is None
    assert POLICY.bump(Fees(46 * GWEI, 2 * GWEI), base_fee=GWEI) is None  # < 10 % room


def test_bump__zero_tip__still_a_valid_replacement():
    bumped = POLICY.bump(Fees(10, 0), base_fee=0)
    assert bumped is not None and bumped.priority_fee >= 1 and bumped.max_fee > 10


@given(base=st.integers(0, 40 * GWEI), steps=st.integers(1, 60))
def test_bump_sequence__monotonic_and_never_above_cap(base: int, steps: int):
    fees = POLICY.initial(base)
    for _ in range(steps):
        nxt = POLICY.bump(fees, base)
        if nxt is None:
            break
        assert nxt.max_fee > fees.max_fee and nxt.priority_fee > fees.priority_fee
        assert nxt.priority_fee <= nxt.max_fee <= POLICY.max_fee_cap
        fees = nxt


# ----------------------------------------------------------------------- nonces
def test_next_nonce__after_node_and_after_our_pending():
    assert next_nonce(5, []) == 5
    assert next_nonce(5, [5, 6]) == 7
    assert next_nonce(9, [5]) == 9  # the node is ahead (our old one is settled elsewhere)


# ------------------------------------------------------------------------ manager
def test_send__simulation_reverts__nothing_sent_reason_kept(tmp_path):
    eth = FakeEth(revert_reason="bond: funding exceeds coupon due")
    tx = manager(eth, tmp_path)
    with pytest.raises(SimulationReverted, match="funding exceeds coupon due"):
        tx.send("fund:1", "fund_coupon", TARGET, "0x01")
    assert eth.sent == [] and tx.store.all() == []


def test_send__mined__recorded_with_latency(tmp_path):
    eth = FakeEth()
    tx = manager(eth, tmp_path)
    result = tx.send("fund:1", "fund_coupon", TARGET, "0x01")
    assert result.status == MINED and result.block == 101
    assert [r.status for r in tx.store.all()] == [MINED]
    assert tx.metrics.value("keeper_tx_latency_seconds_count", {"label": "fund_coupon"}) == 1


def test_send__dry_run__simulates_only(tmp_path):
    eth = FakeEth()
    tx = manager(eth, tmp_path, dry_run=True)
    assert tx.send("fund:1", "fund_coupon", TARGET, "0x01").status == "dry_run"
    assert eth.sent == []


def test_send__status_zero__tx_reverted_with_replayed_reason(tmp_path):
    eth = FakeEth(status=0, replay_reason="bond: paused")
    tx = manager(eth, tmp_path)
    with pytest.raises(TxReverted) as info:
        tx.send("fund:1", "fund_coupon", TARGET, "0x01")
    assert info.value.reason == "bond: paused"
    assert [r.status for r in tx.store.all()] == [REVERTED]
    assert tx.metrics.value("keeper_tx_total", {"label": "fund_coupon", "outcome": "reverted"}) == 1


def test_pending_key__survives_restart__no_second_transaction(tmp_path):
    eth = FakeEth(automine=False)
    first = manager(eth, tmp_path)
    first.send("fund:1", "fund_coupon", TARGET, "0x01", wait=False)
    first.store.close()
    # A new process over the same data dir wants the same thing: it waits instead.
    second = manager(eth, tmp_path)
    assert [r.key for r in second.pending()] == ["fund:1"]
    threading.Timer(0.02, eth.mine).start()
    result = second.send("fund:1", "fund_coupon", TARGET, "0x01")
    assert result.status == MINED
    assert len(eth.sent) == 1


def test_settled_by_several_jobs_at_once__logged_and_counted_once(tmp_path):
    """Every job's pass starts with reconcile(): with six jobs on the scheduler's threads,
    several may find the same transaction mined at the same moment."""
    eth = FakeEth(automine=False)
    tx = manager(eth, tmp_path)
    tx.send("fund:1", "fund_coupon", TARGET, "0x01", wait=False)
    eth.mine()
    threads = [threading.Thread(target=tx.reconcile) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tx.reconcile()
    assert [r.status for r in tx.store.all()] == [MINED]
    assert tx.metrics.value("keeper_tx_total", {"label": "fund_coupon", "outcome": "mined"}) == 1
    assert tx.metrics.value("keeper_tx_latency_seconds_count", {"label": "fund_coupon"}) == 1


def test_nonce__accounts_for_our_pending_transactions_the_node_forgot(tmp_path):
    eth = FakeEth(automine=False)
    tx = manager(eth, tmp_path)
    tx.send("a", "roll", TARGET, "0x01", wait=False)
    eth.mempool.clear()  # node restarted without its mempool
    tx.send("b", "roll", TARGET, "0x02", wait=False)
    assert [r.nonce for r in tx.pending()] == [0, 1]


def test_nonce_taken_by_another_process__detected_and_counted(tmp_path):
    eth = FakeEth(automine=False)
    tx = manager(eth, tmp_path)
    tx.send("fund:1", "fund_coupon", TARGET, "0x01", wait=False)
    eth.foreign_tx()  # nonce 0 mined, but not our transaction
    (rec,) = tx.pending()
    with pytest.raises(NonceConflict):
        tx.wait(rec)
    assert [r.status for r in tx.store.all()] == [DROPPED]
    assert tx.metrics.value("keeper_nonce_conflicts_total") == 1


def test_nonce_too_low_at_broadcast__retried_with_fresh_nonce(tmp_path):
    eth = FakeEth()
    eth.reject_with = ["nonce too low: next nonce 3, tx nonce 0"]
    tx = manager(eth, tmp_path)
    assert tx.send("fund:1", "fund_coupon", TARGET, "0x01").status == MINED
    assert [r.status for r in tx.store.all()] == [DROPPED, MINED]


def test_stuck__bumped_until_mined__one_nonce(tmp_path):
    eth = FakeEth(automine=False)
    tx = manager(eth, tmp_path)
    threading.Timer(0.3, eth.mine).start()
    result = tx.send("fund:1", "fund_coupon", TARGET, "0x01")
    assert result.status == MINED
    (rec,) = tx.store.all()
    assert len(rec.attempts) >= 3 and {s["nonce"] for s in eth.sent} == {0}
    fees = [a["max_fee"] for a in rec.attempts]
    assert fees == sorted(set(fees))
    assert result.tx_hash == rec.attempts[-1]["hash"]


def test_stuck_and_no_longer_needed__cancelled_with_self_transfer(tmp_path):
    eth = FakeEth(automine=False)
    tx = manager(eth, tmp_path)
    tx.send("fund:1", "fund_coupon", TARGET, "0x01", wait=False)
    eth.revert_reason = "bond: funding exceeds coupon due"  # another keeper funded it
    threading.Timer(0.2, eth.mine).start()
    result = tx.wait(tx.pending()[0])
    assert result.status == "cancelled"
    mined = eth.receipts[result.tx_hash or ""]
    assert mined["to"] == tx.chain.address


def test_shutdown_while_waiting__abandoned_and_still_persisted(tmp_path):
    eth = FakeEth(automine=False)
    stop = threading.Event()
    tx = manager(eth, tmp_path, stop=stop)
    threading.Timer(0.05, stop.set).start()
    with pytest.raises(TxAbandoned):
        tx.send("fund:1", "fund_coupon", TARGET, "0x01")
    assert [r.status for r in tx.store.all()] == [PENDING]


def test_shutdown__no_new_broadcast(tmp_path):
    eth = FakeEth()
    stop = threading.Event()
    stop.set()
    tx = manager(eth, tmp_path, stop=stop)
    with pytest.raises(TxAbandoned):
        tx.send("fund:1", "fund_coupon", TARGET, "0x01")
    assert eth.sent == []


def test_resume__mined_while_down__recorded_without_resend(tmp_path):
    eth = FakeEth(automine=False)
    first = manager(eth, tmp_path)
    first.send("fund:1", "fund_coupon", TARGET, "0x01", wait=False)
    eth.mine()
    second = manager(eth, tmp_path)
    assert second.resume() == []
    assert [r.status for r in second.store.all()] == [MINED] and len(eth.sent) == 1


def test_resume__node_forgot_it__rebroadcast_same_signed_tx(tmp_path):
    eth = FakeEth(automine=False)
    first = manager(eth, tmp_path)
    first.send("fund:1", "fund_coupon", TARGET, "0x01", wait=False)
    eth.mempool.clear()
    second = manager(eth, tmp_path)
    assert [r.key for r in second.resume()] == ["fund:1"]
    assert len(eth.sent) == 2 and eth.sent[0]["hash"] == eth.sent[1]["hash"]
