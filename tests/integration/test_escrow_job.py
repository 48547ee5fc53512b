"""The escrow job against the real Escrow, BondToken and OGNFT on Anvil: a round is settled
at its deadline and every investor served exactly once (bonds before the first coupon
date, or a refund), in bounded batches, by one keeper or two at once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from eth_utils import keccak
from web3 import Web3

from analytics import bond_math
from keeper.jobs.escrow import FAILED, SUCCEEDED
from keeper.tx import PENDING, REVERTED
from tests.conftest import DAY, BondTerms
from tests.integration.conftest import mine_at, reverted_receipts, rpc

INITIAL_BPS = 1_000
DURATION = 90 * DAY
FUNDS_PER_INVESTOR = 10**6 * 10**6  # stablecoin units minted to each investor
BIG_TX = {"stuck_after_s": 5, "receipt_timeout_s": 30, "poll_interval_s": 0.05,
          "max_gas_limit": 15_000_000}  # fmt: skip

CLAIMED = "0x" + keccak(text="Claimed(address,address,uint256,uint256,uint256)").hex()
WITHDRAWN = "0x" + keccak(text="Withdrawn(address,address,uint256)").hex()


def _abi(contract_type: Any) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json", by_alias=True) for item in contract_type.abi]


@pytest.fixture
def round_bond(deploy_bond, chain):
    """A 3-year bond issued at the current chain date (its first coupon date is months
    after the round's deadline)."""
    issue = bond_math.from_timestamp(chain.pending_timestamp)
    return deploy_bond(BondTerms(issue, date(issue.year + 3, issue.month, min(issue.day, 28))))


@pytest.fixture
def og_blueprint(admin, project) -> str:
    return admin.declare(project.OGNFT).contract_address


@pytest.fixture
def make_round(project, admin, issuer, usdc, round_bond, og_blueprint, accounts):
    """make_round(target, min_raise, activation_bps, min_ticket) -> Escrow on round_bond,
    MINTER_ROLE granted (the deploy step)."""

    def _make(*, target: int, min_raise: int, activation_bps: int, min_ticket: int):
        custodian = accounts.generate_test_account()
        escrow = admin.deploy(
            project.Escrow, round_bond, usdc, custodian, issuer, target, INITIAL_BPS,
            activation_bps, min_ticket, DURATION, min_raise, og_blueprint, "Bondline OG",
            "OGB", "ipfs://og/",
        )  # fmt: skip
        round_bond.grantRole(round_bond.MINTER_ROLE(), escrow, sender=admin)
        return escrow

    return _make


class Investors:
    """``n`` investors as impersonated Anvil addresses driven with plain web3 (hundreds
    of transactions in a few seconds, where ape accounts would take a minute)."""

    def __init__(self, chain, project, escrow, usdc, whitelist, kyc, admin, n: int) -> None:
        self.w3 = chain.provider.web3
        self.chain = chain
        tag = escrow.address.lower()
        self.addresses = [
            Web3.to_checksum_address(keccak(text=f"{tag}:investor:{i}")[-20:]) for i in range(n)
        ]
        for who in [*self.addresses, kyc.address, admin.address]:
            rpc(chain, "anvil_impersonateAccount", [who])
        for who in self.addresses:
            rpc(chain, "anvil_setBalance", [who, hex(10**20)])
        self.escrow = self.w3.eth.contract(
            address=escrow.address, abi=_abi(project.Escrow.contract_type)
        )
        self.usdc = self.w3.eth.contract(address=usdc.address, abi=_abi(usdc.contract_type))
        wl = self.w3.eth.contract(address=whitelist.address, abi=_abi(whitelist.contract_type))
        expiry = chain.pending_timestamp + 40 * 365 * DAY
        batch = int(wl.functions.MAX_BATCH().call())
        for i in range(0, n, batch):
            group = self.addresses[i : i + batch]
            self._send(
                wl.functions.register_batch(group, [expiry] * len(group), [380] * len(group)),
                kyc.address,
            )
        for who in self.addresses:
            self._send(self.usdc.functions.mint(who, FUNDS_PER_INVESTOR), admin.address)
            self._send(self.usdc.functions.approve(escrow.address, 2**256 - 1), who)

    def _send(self, fn: Any, sender: str) -> None:
        receipt = self.w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))
        assert receipt["status"] == 1

    def invest(self, amount: int, fulfil: list[str]) -> None:
        """Everyone commits ``amount`` (paying the initial share); once the round is
        active, the investors in ``fulfil`` pay the rest."""
        for who in self.addresses:
            self._send(self.escrow.functions.commit(amount), who)
        for who in fulfil:
            self._send(self.escrow.functions.fulfil(amount), who)

    def usdc_balance(self, who: str) -> int:
        return int(self.usdc.functions.balanceOf(who).call())


def _events(chain, escrow, topic: str) -> Counter[str]:
    """How many ``topic`` events each investor (first indexed topic) has."""
    logs = chain.provider.web3.eth.get_logs(
        {"address": escrow.address, "fromBlock": 0, "toBlock": "latest", "topics": [topic]}
    )
    return Counter(Web3.to_checksum_address(bytes(log["topics"][1])[-20:]) for log in logs)


def _pass(keeper) -> Any:
    """One pass of the keeper's only job; the job must not have failed."""
    reports = keeper.run_once()
    assert not keeper.last_error, keeper.last_error
    return reports[0]


def _jobs(escrow, batch_size: int, from_block: int) -> dict[str, Any]:
    return {
        "escrow": {
            "interval_s": 1,
            "rounds": [
                {"name": "R1", "address": escrow.address, "batch_size": batch_size,
                 "from_block": from_block}
            ],
        }
    }  # fmt: skip


@pytest.fixture
def success_round(chain, project, make_round, usdc, whitelist, kyc, admin):
    """60 investors: 59 pay their commitment in full, the last pays only the initial
    share. Raised stays below the target (so the deadline decides) and above the minimum
    raise (so it is a success)."""

    def _build(n: int = 60):
        ticket = 100 * 10**6
        escrow = make_round(
            target=2 * n * ticket,
            min_raise=(n - 1) * ticket,
            activation_bps=INITIAL_BPS // 4,  # initial payments of n tickets suffice
            min_ticket=ticket,
        )
        start = chain.blocks.height
        people = Investors(chain, project, escrow, usdc, whitelist, kyc, admin, n)
        people.invest(ticket, fulfil=people.addresses[:-1])
        return escrow, people, start, ticket

    return _build


def test_success__settled_at_deadline__every_investor_served_once_before_first_coupon(
    chain, success_round, round_bond, usdc, project, make_job_keeper, stranger
):
    escrow, people, start, ticket = success_round(60)
    # A full batch of bond deliveries needs more than the default tx.max_gas_limit; with
    # room for it, 60 investors take two batches (the split is tested below).
    keeper = make_job_keeper(stranger, _jobs(escrow, 50, start), tx=BIG_TX)
    # Before the deadline the round is open: nothing to do.
    assert _pass(keeper).actions == []
    assert not escrow.settled()
    mine_at(chain, escrow.DEADLINE())
    assert escrow.phase() == SUCCEEDED and not escrow.settled()
    partial = people.addresses[-1]
    refund_due = escrow.position(partial).withdrawable
    partial_before = people.usdc_balance(partial)
    report = _pass(keeper)
    kinds = [a.split(":")[0] for a in report.actions]
    assert kinds == ["escrow_settle", "escrow_batch", "escrow_batch"], report.actions
    assert report.alerts == [] and report.skipped == []
    assert escrow.settled()
    # Every fulfilled investor holds exactly its bonds and one OG NFT; claimed once.
    og = project.OGNFT.at(escrow.OG_NFT())
    tokens = escrow.tokens_for(ticket)
    fulfilled = people.addresses[:-1]
    for who in fulfilled:
        assert round_bond.balanceOf(who) == tokens
        assert og.balanceOf(who) == 1
        assert escrow.position(who).closed
    assert _events(chain, escrow, CLAIMED) == Counter({who: 1 for who in fulfilled})
    # The investor who did not fulfil got the refund instead, once.
    assert people.usdc_balance(partial) == partial_before + refund_due > partial_before
    assert _events(chain, escrow, WITHDRAWN) == Counter({partial: 1})
    assert escrow.totals().held == 0
    # All of it before the bond's first coupon date (coupon 1 is not missed).
    assert chain.blocks.head.timestamp < round_bond.coupon_period(1)[0]
    assert keeper.metrics.value("keeper_escrow_open_positions", {"round": "R1"}) == 0
    # Re-running does nothing, also from a restarted keeper (empty memory, same store).
    assert _pass(keeper).actions == []
    assert reverted_receipts(chain, [keeper]) == []
    keeper.close()
    restarted = make_job_keeper(stranger, _jobs(escrow, 50, start), tx=BIG_TX)
    again = _pass(restarted)
    assert again.actions == [] and again.skipped == [] and again.alerts == []
    assert reverted_receipts(chain, [restarted]) == []


def test_failed_round__everyone_refunded_once(
    chain, project, make_round, usdc, whitelist, kyc, admin, make_job_keeper, stranger
):
    ticket = 100 * 10**6
    n = 7
    # Activated (the initial payments reach a quarter of the target's share), but the
    # minimum raise is the whole target: a failure at the deadline.
    escrow = make_round(
        target=2 * n * ticket,
        min_raise=2 * n * ticket,
        activation_bps=INITIAL_BPS // 4,
        min_ticket=ticket,
    )
    start = chain.blocks.height
    people = Investors(chain, project, escrow, usdc, whitelist, kyc, admin, n)
    people.invest(ticket, fulfil=people.addresses[::2])
    paid = {who: escrow.position(who).paid for who in people.addresses}
    before = {who: people.usdc_balance(who) for who in people.addresses}
    keeper = make_job_keeper(stranger, _jobs(escrow, 3, start))
    mine_at(chain, escrow.DEADLINE())
    assert escrow.phase() == FAILED
    report = _pass(keeper)
    kinds = [a.split(":")[0] for a in report.actions]
    assert kinds == ["escrow_settle"] + ["escrow_batch"] * 3, report.actions  # 3 + 3 + 1
    for who in people.addresses:
        assert people.usdc_balance(who) == before[who] + paid[who]
        assert escrow.position(who).closed
    assert _events(chain, escrow, WITHDRAWN) == Counter({who: 1 for who in people.addresses})
    assert _events(chain, escrow, CLAIMED) == Counter()
    assert escrow.totals().held == 0
    assert _pass(keeper).actions == []
    assert reverted_receipts(chain, [keeper]) == []


def test_blacklisted_investor__skipped_with_alert_others_served_no_wasted_retries(
    chain, success_round, usdc, admin, make_job_keeper, stranger
):
    escrow, people, start, _ = success_round(4)
    partial = people.addresses[-1]  # gets a refund: a USDC blacklist makes it fail
    usdc.blacklist(partial, sender=admin)
    keeper = make_job_keeper(stranger, _jobs(escrow, 50, start))
    mine_at(chain, escrow.DEADLINE())
    report = _pass(keeper)
    assert [a.split(":")[0] for a in report.actions] == ["escrow_settle", "escrow_batch"]
    assert len(report.alerts) == 1 and partial in report.alerts[0]
    assert "stablecoin transfer failed" in report.alerts[0]
    assert not escrow.position(partial).closed
    # Next pass: the batch would serve nobody, so nothing is sent; the alert stays.
    again = _pass(keeper)
    assert again.actions == [] and len(again.alerts) == 1 and partial in again.alerts[0]
    assert keeper.metrics.value("keeper_escrow_skipped_positions", {"round": "R1"}) == 1
    # Once USDC lifts the blacklist, the refund goes out.
    usdc.unBlacklist(partial, sender=admin)
    last = _pass(keeper)
    assert [a.split(":")[0] for a in last.actions] == ["escrow_batch"] and last.alerts == []
    assert escrow.position(partial).closed
    assert reverted_receipts(chain, [keeper]) == []


@contextmanager
def interval_mining(chain) -> Iterator[None]:
    """Blocks every second with transactions waiting in the mempool meanwhile (what two
    keepers on a live chain see); automine is restored afterwards."""
    rpc(chain, "evm_setAutomine", [False])
    rpc(chain, "evm_setIntervalMining", [1])
    try:
        yield
    finally:
        rpc(chain, "evm_setIntervalMining", [0])
        rpc(chain, "evm_setAutomine", [True])


def _run_both(first, second, label: str) -> list[Any]:
    """Run ``first``; once it has a ``label`` transaction in the mempool, run ``second``
    too (two keepers on two machines, one a little behind the other)."""
    reports: dict[str, Any] = {}

    def run(name: str, keeper) -> None:
        reports[name] = _pass(keeper)

    a = threading.Thread(target=run, args=("first", first))
    a.start()
    deadline = time.monotonic() + 60
    while not [r for r in first.store.all() if r.status == PENDING and r.label == label]:
        assert a.is_alive(), f"the first keeper finished without sending {label}"
        assert time.monotonic() < deadline, f"the first keeper sent no {label}"
        time.sleep(0.005)
    b = threading.Thread(target=run, args=("second", second))
    b.start()
    a.join(120)
    b.join(120)
    assert not a.is_alive() and not b.is_alive()
    return [reports["first"], reports["second"]]


@pytest.fixture
def other_keeper_signer(accounts):
    account = accounts.generate_test_account()
    account.balance = 10**21
    return account


def test_two_keepers_at_once__settle__second_foresees_revert_and_sends_nothing(
    chain, success_round, make_job_keeper, stranger, other_keeper_signer
):
    escrow, people, start, _ = success_round(4)
    a = make_job_keeper(stranger, _jobs(escrow, 50, start), name="a")
    b = make_job_keeper(other_keeper_signer, _jobs(escrow, 50, start), name="b")
    mine_at(chain, escrow.DEADLINE())
    # B looks while A's settle waits in the mempool: its simulation on the pending block
    # foresees "already closed" (skipped, no alert), and as the success is not recorded
    # at `latest` yet it delivers nothing either.
    with interval_mining(chain):
        first, second = _run_both(a, b, "escrow_settle")
    assert [x.split(":")[0] for x in first.actions] == ["escrow_settle", "escrow_batch"]
    assert second.actions == [] and second.alerts == []
    assert [x.split(":")[0] for x in second.skipped] == ["escrow_settle"]
    assert "already closed" in second.skipped[0]
    assert all(escrow.position(w).closed for w in people.addresses)
    assert b.store.all() == []
    assert reverted_receipts(chain, [a, b]) == []


def test_two_keepers_at_once__batches__each_investor_served_once_no_revert(
    chain, success_round, round_bond, make_job_keeper, stranger, other_keeper_signer
):
    escrow, people, start, ticket = success_round(60)
    a = make_job_keeper(stranger, _jobs(escrow, 50, start), name="a")
    b = make_job_keeper(other_keeper_signer, _jobs(escrow, 50, start), name="b")
    mine_at(chain, escrow.DEADLINE())
    escrow.settle(sender=stranger)  # someone settled already; delivery is left
    with interval_mining(chain):
        first, second = _run_both(a, b, "escrow_batch")
    fulfilled = people.addresses[:-1]
    assert all(escrow.position(w).closed for w in people.addresses)
    assert _events(chain, escrow, CLAIMED) == Counter({who: 1 for who in fulfilled})
    tokens = escrow.tokens_for(ticket)
    assert [round_bond.balanceOf(w) for w in fulfilled] == [tokens] * len(fulfilled)
    assert _events(chain, escrow, WITHDRAWN) == Counter({people.addresses[-1]: 1})
    # Each batch sent once, whoever sent it, each within the default gas cap (the job
    # splits a batch the cap cannot hold); nothing mined reverted.
    sent = [r.key for k in (a, b) for r in k.store.all()]
    assert len(sent) == len(set(sent)) > 2, sent
    cap = a.settings.tx.max_gas_limit
    assert all(r.gas <= cap for k in (a, b) for r in k.store.all())
    assert all(r.status not in (REVERTED,) for k in (a, b) for r in k.store.all())
    assert reverted_receipts(chain, [a, b]) == []
    assert not first.alerts and not second.alerts
