"""A separately started Anvil for fault tests (automine off, stop/restart with state).

ape's test provider owns its own node; the fault tests need one they can freeze, kill
and bring back, so they spawn the ``anvil`` binary on a free 127.0.0.1 port. Contracts
are deployed with web3 from Anvil's unlocked dev accounts (the same mnemonic as ape's
test accounts), using the bytecode ape compiled for the project.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import requests
from web3 import HTTPProvider, Web3

from analytics import bond_math
from tests.conftest import TOKEN, USDC, BondTerms


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AnvilNode:
    def __init__(self, workdir: Path, *, timestamp: int | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state = workdir / "anvil-state.json"
        self.timestamp = timestamp
        self.proc: subprocess.Popen[bytes] | None = None
        self.w3 = Web3(HTTPProvider(self.url, request_kwargs={"timeout": 5}))

    def start(self, *, load_state: bool = False) -> None:
        cmd = ["anvil", "--port", str(self.port), "--silent", "--dump-state", str(self.state)]
        cmd += ["--base-fee", "1000000000"]
        if load_state:
            cmd += ["--load-state", str(self.state)]
        elif self.timestamp is not None:
            cmd += ["--timestamp", str(self.timestamp)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                self.rpc("eth_chainId")
                return
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError(f"anvil did not start on {self.url}")

    def stop(self) -> None:
        """Stop gracefully (SIGINT: Anvil dumps its state on the way out)."""
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        answer = requests.post(
            self.url,
            json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []},
            timeout=5,
        ).json()
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def automine(self, on: bool) -> None:
        self.rpc("evm_setAutomine", [on])

    def mine(self, timestamp: int | None = None) -> None:
        if timestamp is not None:
            self.rpc("evm_setNextBlockTimestamp", [timestamp])
        self.rpc("evm_mine")

    def timestamp_now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def mempool(self) -> int:
        status = self.rpc("txpool_status")
        return int(status["pending"], 16)


def _abi(contract_type: Any) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json", by_alias=True) for item in contract_type.abi]


class Deployed:
    """MockUSDC + Whitelist + BondToken (two holders), deployed with web3."""

    def __init__(
        self,
        node: AnvilNode,
        project: Any,
        accounts: list[Any],
        *,
        first_dates: list[int] | None = None,
    ) -> None:
        """``first_dates`` replaces the first coupon dates of the schedule (unix s,
        increasing, before the next regular date): coupons that fall due seconds from
        now, in chain time that follows the wall clock."""
        w3 = node.w3
        self.w3 = w3
        admin, kyc, agent, minter = (
            a.address for a in (accounts[0], accounts[1], accounts[3], accounts[4])
        )
        alice, bob = accounts[6].address, accounts[7].address
        self.agent = agent

        def deploy(name: str, *args: Any) -> Any:
            ct = project.get_contract(name).contract_type
            factory = w3.eth.contract(abi=_abi(ct), bytecode=ct.deployment_bytecode.bytecode)
            tx = factory.constructor(*args).transact({"from": admin})
            receipt = w3.eth.wait_for_transaction_receipt(tx)
            return w3.eth.contract(address=receipt["contractAddress"], abi=_abi(ct))

        def send(fn: Any, sender: str) -> None:
            w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))

        self.usdc = deploy("MockUSDC")
        whitelist = deploy("Whitelist", admin)
        send(
            whitelist.functions.grantRole(whitelist.functions.KYC_OPERATOR_ROLE().call(), kyc),
            admin,
        )
        issue = bond_math.from_timestamp(node.timestamp_now())
        from datetime import date

        self.terms = BondTerms(issue, date(issue.year + 3, issue.month, min(issue.day, 28)))
        dates = list(self.terms.dates)
        if first_dates:
            assert first_dates == sorted(first_dates) and first_dates[-1] < dates[len(first_dates)]
            dates[: len(first_dates)] = first_dates
        self.bond = deploy(
            "BondToken", "Bondline 5% 2031", "BL31", "XS0000000001", accounts[5].address,
            self.usdc.address, whitelist.address, self.terms.denomination_units,
            self.terms.issue_volume, self.terms.rate_bps, self.terms.frequency,
            bond_math.to_timestamp(self.terms.issue), int(self.terms.basis), dates,
            self.terms.coupons, admin,
        )  # fmt: skip
        fns = self.bond.functions
        send(fns.grantRole(fns.MINTER_ROLE().call(), minter), admin)
        send(fns.grantRole(fns.PAYING_AGENT_ROLE().call(), agent), admin)
        expiry = node.timestamp_now() + 40 * 365 * 86_400
        for holder, tokens in ((alice, 600), (bob, 400)):
            send(whitelist.functions.register(holder, expiry, 380), kyc)
            send(fns.mint(holder, tokens * TOKEN), minter)
        send(self.usdc.functions.mint(agent, 10**9 * USDC), admin)
        send(self.usdc.functions.approve(self.bond.address, 2**256 - 1), agent)

    def coupon_date(self, k: int) -> int:
        return int(self.bond.functions.coupon_period(k).call()[0])

    def funded(self, k: int) -> tuple[int, int]:
        _, due, funded = self.bond.functions.coupon_record(k).call()
        return int(due), int(funded)

    def funding_count(self, k: int) -> int:
        from tests.integration.conftest import COUPON_FUNDED

        logs = self.w3.eth.get_logs(
            {"address": self.bond.address, "fromBlock": 0, "toBlock": "latest",
             "topics": [COUPON_FUNDED, "0x" + k.to_bytes(32, "big").hex()]}
        )  # fmt: skip
        return len(logs)


def keeper_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYTHONWARNINGS", "ignore")
    return env
