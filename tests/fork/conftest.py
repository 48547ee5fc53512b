"""Fork mode: the tests in this package run against an Anvil that forks an upstream chain.

Default (CI): a plain upstream Anvil is started on a free port, the protocol is deployed
there with ``ape run deploy`` (config/deploy.local.yaml) and given some history with
web3 (investors onboarded, the corporate round filled and delivered, coupon 1 funded and
claimed, a price and a macro print pushed, liquidity added and a trade). Then a second
Anvil forks it (``--fork-url <upstream> --fork-block-number <head>``) and the tests talk
to that fork only, checking afterwards that upstream did not move.

Against a real network: set ``BONDLINE_FORK_URL`` (an RPC URL) and
``BONDLINE_FORK_DEPLOYMENT`` (the deployment file written for that network); nothing is
deployed and the history is whatever that network holds (tests that need the local
history are skipped). See docs/fork-tests.md.

Transactions on the fork are sent with ``eth_sendTransaction`` from impersonated accounts
(``--auto-impersonate``), so the roles' keys are never needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from web3 import HTTPProvider, Web3

from analytics import bond_math
from deployment.anvil import Anvil
from keeper.deployment import CONTRACT_TYPES, Deployment, load_deployment

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config" / "deploy.local.yaml"
FORK_URL = os.environ.get("BONDLINE_FORK_URL", "")
FORK_DEPLOYMENT = os.environ.get("BONDLINE_FORK_DEPLOYMENT", "")
TOKEN = 10**18
ETH = 10**18
MAX_UINT = 2**256 - 1
PAR = 100 * 10**8  # PriceFeed answer at 100 % of par
ALICE = Web3.to_checksum_address("0x" + "a1" * 20)
BOB = Web3.to_checksum_address("0x" + "b0" * 20)


@dataclass
class Chain:
    """One node seen through web3, with the deployment's contracts bound to it."""

    url: str
    deployment: Deployment
    abis: dict[str, list[dict[str, Any]]]
    w3: Web3 = field(init=False)

    def __post_init__(self) -> None:
        self.w3 = Web3(HTTPProvider(self.url, request_kwargs={"timeout": 60}))

    def c(self, key: str) -> Any:
        abi = self.abis[Deployment.contract_type(key)]
        return self.w3.eth.contract(address=self.deployment.address(key), abi=abi)

    def send(self, call: Any, sender: str) -> Any:
        tx_hash = call.transact({"from": sender})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)
        assert receipt.status == 1, f"{call.fn_name} from {sender} reverted"
        return receipt

    def rpc(self, method: str, params: list[Any]) -> Any:
        return self.w3.provider.make_request(method, params)

    def travel(self, timestamp: int) -> None:
        """Mine one block at ``timestamp`` (later than the head)."""
        self.rpc("evm_setNextBlockTimestamp", [timestamp])
        self.rpc("evm_mine", [])

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])


@dataclass
class Upstream:
    chain: Chain
    history: dict[str, Any] | None  # what the local history built; None on a real network
    fork_block: int


@pytest.fixture(scope="session")
def abis(project) -> dict[str, list[dict[str, Any]]]:
    names = set(CONTRACT_TYPES.values())
    return {
        name: [item.model_dump(mode="json", by_alias=True) for item in
               getattr(project, name).contract_type.abi]
        for name in names
    }  # fmt: skip


def _ape_run_deploy(url: str, out: Path) -> None:
    ape = str(Path(sys.executable).with_name("ape"))
    result = subprocess.run(
        [ape, "run", "deploy", "--config", str(CONFIG), "--out", str(out), "--network", url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"ape run deploy failed:\n{result.stdout}\n{result.stderr}"


def build_history(up: Chain) -> dict[str, Any]:
    """Give the fresh deployment a past: onboarding, a filled round, coupon 1, a trade."""
    acct = up.deployment.accounts
    usdc, wl = up.c("stablecoin"), up.c("whitelist")
    bond, escrow = up.c("corporate.bond"), up.c("corporate.escrow")
    feed, amm = up.c("corporate.price_feed"), up.c("corporate.amm")
    decimals = up.deployment.details["stablecoin"]["decimals"]
    for who in (ALICE, BOB):
        up.rpc("anvil_setBalance", [who, hex(100 * ETH)])
        up.send(usdc.functions.mint(who, 10**7 * 10**decimals), acct["deployer"])
        for spender in (escrow, bond, amm):
            up.send(usdc.functions.approve(spender.address, MAX_UINT), who)
        up.send(bond.functions.approve(amm.address, MAX_UINT), who)
    expiry = up.now() + 20 * 365 * 86_400
    up.send(
        wl.functions.register_batch([ALICE, BOB], [expiry] * 2, [380, 276]), acct["kyc_operator"]
    )

    # The corporate round: alice 60 %, bob 40 % of the target, both paid in full.
    target = escrow.functions.TARGET().call()
    shares = {ALICE: target * 3 // 5, BOB: target - target * 3 // 5}
    for who, amount in shares.items():
        up.send(escrow.functions.commit(amount), who)
    for who, amount in shares.items():
        up.send(escrow.functions.fulfil(amount), who)
    up.send(escrow.functions.settle(), ALICE)
    up.send(escrow.functions.process_batch([ALICE, BOB]), acct["keeper"])

    # Coupon 1: past its record date, the paying agent funds it; alice claims.
    record_ts, _ = bond.functions.coupon_period(1).call()
    up.travel(record_ts + 3_600)
    up.send(bond.functions.roll(), acct["keeper"])
    due = bond.functions.coupon_record(1).call()[1]  # (total shares, due, funded)
    agent = acct["paying_agent"]
    up.send(usdc.functions.approve(bond.address, MAX_UINT), agent)
    up.send(bond.functions.fund_coupon(1, due), agent)
    up.send(bond.functions.claim_coupons(1, 1), ALICE)

    # Secondary market: a price, alice provides liquidity, bob buys one token.
    up.send(feed.functions.submit(PAR, up.now()), acct["keeper"])
    up.send(amm.functions.add_liquidity(50 * TOKEN, MAX_UINT, 0, ALICE, MAX_UINT), ALICE)
    up.send(amm.functions.buy(TOKEN, MAX_UINT, BOB, MAX_UINT), BOB)

    # A macro print for the sovereign (last complete year).
    sov = up.deployment.details["sovereign"]["country"].encode()
    year = bond_math.from_timestamp(up.now()).year - 1
    up.send(up.c("macro_feed").functions.report_pair(sov, year, 9_000, 250, up.now()),
            acct["keeper"])  # fmt: skip
    return {
        "holders": [ALICE, BOB],
        "coupon_1_due": due,
        "supply": bond.functions.totalSupply().call(),
        "macro_year": year,
    }


@pytest.fixture(scope="session")
def upstream(abis, tmp_path_factory):
    if FORK_URL:
        if not FORK_DEPLOYMENT:
            pytest.fail(
                "BONDLINE_FORK_URL is set but BONDLINE_FORK_DEPLOYMENT is not: give the "
                "deployment file written by `ape run deploy` for that network"
            )
        up = Chain(FORK_URL, load_deployment(FORK_DEPLOYMENT), abis)
        if up.w3.eth.chain_id != up.deployment.chain_id:
            pytest.fail(
                f"{FORK_DEPLOYMENT} is for chain {up.deployment.chain_id}, "
                f"{FORK_URL} is chain {up.w3.eth.chain_id}"
            )
        yield Upstream(up, None, up.w3.eth.block_number)
        return
    with Anvil("--auto-impersonate") as node:
        out = tmp_path_factory.mktemp("fork") / "upstream.json"
        _ape_run_deploy(node.url, out)
        up = Chain(node.url, load_deployment(out), abis)
        history = build_history(up)
        yield Upstream(up, history, up.w3.eth.block_number)


@pytest.fixture(scope="session")
def fork(upstream):
    """An Anvil forking upstream at ``upstream.fork_block``."""
    args = ["--fork-url", upstream.chain.url, "--fork-block-number", str(upstream.fork_block)]
    with Anvil(*args, "--auto-impersonate", "--no-rate-limit", timeout_s=60) as node:
        yield Chain(node.url, upstream.chain.deployment, upstream.chain.abis)


@pytest.fixture
def local_history(upstream) -> dict[str, Any]:
    if upstream.history is None:
        pytest.skip("needs the history the local upstream builds (BONDLINE_FORK_URL is set)")
    return upstream.history
