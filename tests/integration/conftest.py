"""Keeper + real contracts on Anvil, through ape's test provider.

The keeper signs with ape test accounts and talks to the same Anvil node as the test
(``Chain.from_provider``); ape's per-test snapshot rolls the chain back after each test,
and each test gets its own keeper data dir (``tmp_path``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak

from keeper.chain import Chain
from keeper.scheduler import Keeper
from keeper.settings import KeeperSettings, parse_settings
from tests.conftest import TOKEN
from tests.integration.feeds import keeper_config
from tests.oracle.conftest import TOKEN as CUSTODIAN_TOKEN
from tests.oracle.conftest import TOKEN_ENV as CUSTODIAN_TOKEN_ENV

COUPON_FUNDED = "0x" + keccak(text="CouponFunded(uint256,address,uint256,uint256,uint256)").hex()
REDEMPTION_FUNDED = "0x" + keccak(text="RedemptionFunded(address,uint256,uint256,uint256)").hex()


def keeper_settings(
    data_dir: Path, bond_address: str, tx: dict[str, Any] | None = None, **bond_overrides: Any
) -> KeeperSettings:
    return parse_settings(
        {
            "version": 1,
            "chain": {"network": "ethereum:local:foundry"},
            "signer": {"test_account": 3},
            "data_dir": str(data_dir),
            "health": {"enabled": False},
            "tx": tx or {"stuck_after_s": 5, "receipt_timeout_s": 30, "poll_interval_s": 0.05},
            "jobs": {
                "coupons": {
                    "interval_s": 1,
                    "bonds": [{"name": "BL31", "address": bond_address, **bond_overrides}],
                }
            },
        }
    )


@pytest.fixture
def holders(bond, minter, alice, bob, verify):
    """alice 600 tokens, bob 400 tokens, both verified."""
    verify(alice, bob)
    bond.mint(alice, 600 * TOKEN, sender=minter)
    bond.mint(bob, 400 * TOKEN, sender=minter)
    return bond


@pytest.fixture
def make_keeper(chain, bond, tmp_path) -> Callable[..., Keeper]:
    """make_keeper(signer, name="a", **bond_overrides) -> Keeper over tmp_path/name."""
    made: list[Keeper] = []

    def _make(signer: Any, name: str = "a", **overrides: Any) -> Keeper:
        settings = keeper_settings(tmp_path / name, bond.address, **overrides)
        keeper = Keeper(settings, Chain.from_provider(chain.provider, signer))
        made.append(keeper)
        return keeper

    yield _make
    for keeper in made:
        keeper.close()


@pytest.fixture
def fresh_agent(accounts, bond, admin):
    """A paying agent with ETH, the role, and no stablecoin and no allowance yet (the
    session's ``paying_agent`` may already hold plenty from ``funded_agent``)."""
    agent = accounts.generate_test_account()
    agent.balance = 10**21
    bond.grantRole(bond.PAYING_AGENT_ROLE(), agent, sender=admin)
    return agent


def funding_events(chain, bond) -> list[tuple[int, int]]:
    """(period, amount) of every CouponFunded log of ``bond``; period 0 = redemption."""
    w3 = chain.provider.web3
    out: list[tuple[int, int]] = []
    for topic, is_coupon in ((COUPON_FUNDED, True), (REDEMPTION_FUNDED, False)):
        logs = w3.eth.get_logs(
            {"address": bond.address, "fromBlock": 0, "toBlock": "latest", "topics": [topic]}
        )
        for log in logs:
            data = bytes(log["data"])
            amount = int.from_bytes(data[0:32], "big")
            period = int.from_bytes(bytes(log["topics"][1]), "big") if is_coupon else 0
            out.append((period, amount))
    return sorted(out)


def mine_at(chain, timestamp: int) -> None:
    if timestamp > chain.pending_timestamp:
        chain.pending_timestamp = timestamp
    chain.mine()


# ------------------------------------------------------------ prices and macro jobs
@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver (the custodian quote API of the feed tests) on 127.0.0.1."""
    return ("127.0.0.1", 0)


@pytest.fixture
def custodian_token(monkeypatch) -> str:
    monkeypatch.setenv(CUSTODIAN_TOKEN_ENV, CUSTODIAN_TOKEN)
    return CUSTODIAN_TOKEN


@pytest.fixture
def feed_keeper(chain, tmp_path) -> Callable[..., Keeper]:
    """feed_keeper(signer, oracle_config, jobs, name="a") -> Keeper over tmp_path/name."""
    made: list[Keeper] = []

    def _make(signer: Any, oracle_config: Path, jobs: dict[str, Any], name: str = "a") -> Keeper:
        settings = keeper_config(tmp_path / name, oracle_config, jobs)
        keeper = Keeper(settings, Chain.from_provider(chain.provider, signer))
        made.append(keeper)
        return keeper

    yield _make
    for keeper in made:
        keeper.close()


# ------------------------------------------------ escrow, amm and conversion jobs
def job_settings(data_dir: Path, jobs: dict[str, Any], tx: dict[str, Any] | None = None):
    """Keeper settings running ``jobs`` (the ``jobs:`` mapping of the YAML file)."""
    return parse_settings(
        {
            "version": 1,
            "chain": {"network": "ethereum:local:foundry"},
            "signer": {"test_account": 3},
            "data_dir": str(data_dir),
            "health": {"enabled": False},
            "tx": tx or {"stuck_after_s": 5, "receipt_timeout_s": 30, "poll_interval_s": 0.05},
            "jobs": jobs,
        }
    )


@pytest.fixture
def make_job_keeper(chain, tmp_path) -> Callable[..., Keeper]:
    """make_job_keeper(signer, jobs, name="a", tx=None) -> Keeper over tmp_path/name."""
    made: list[Keeper] = []

    def _make(signer: Any, jobs: dict[str, Any], name: str = "a", **kw: Any) -> Keeper:
        keeper = Keeper(
            job_settings(tmp_path / name, jobs, **kw), Chain.from_provider(chain.provider, signer)
        )
        made.append(keeper)
        return keeper

    yield _make
    for keeper in made:
        keeper.close()


@pytest.fixture
def stranger(accounts):
    """A fresh account with gas money and no role anywhere: the escrow, amm and
    conversion jobs need none."""
    account = accounts.generate_test_account()
    account.balance = 10**21
    return account


def rpc(chain, method: str, params: list[Any]) -> Any:
    answer = chain.provider.web3.provider.make_request(method, params)
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer.get("result")


def reverted_receipts(chain, keepers: list[Keeper]) -> list[str]:
    """Hashes of every mined transaction of these keepers with status 0 (checked on
    chain, not only in their stores)."""
    w3 = chain.provider.web3
    bad = []
    for keeper in keepers:
        for rec in keeper.store.all():
            for tx_hash in rec.hashes:
                try:
                    receipt = w3.eth.get_transaction_receipt(tx_hash)
                except Exception:
                    continue
                if int(receipt["status"]) == 0:
                    bad.append(tx_hash)
    return bad
