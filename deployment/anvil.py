"""A plain Anvil process (the ``anvil`` binary on PATH) on a free 127.0.0.1 port.

For whoever needs a node of its own rather than ape-foundry's: the main job (a fixed
genesis time and a state file left behind), the ``ape run deploy`` script tests and the
fork tests (an upstream node and an Anvil forking it). ``./bondline`` puts the pinned
binary from ``node_modules/@foundry-rs/anvil-*/bin`` on PATH.

    with Anvil("--timestamp", "1798675200") as node:
        node.rpc("eth_chainId"); node.jump_to(ts); node.url
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from typing import Any

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Anvil:
    """``Anvil(*extra_args).start()``; :meth:`stop` sends SIGINT so that Anvil writes its
    ``--dump-state`` file on the way out."""

    def __init__(self, *args: str, timeout_s: float = 30) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = list(args)
        self.timeout_s = timeout_s
        self.proc: subprocess.Popen[bytes] | None = None
        self._session = requests.Session()

    def start(self) -> Anvil:
        binary = shutil.which("anvil")
        if binary is None:
            raise RuntimeError(
                "the `anvil` binary is not on PATH; run through ./bondline (demo, test or "
                "shell), which puts node_modules/@foundry-rs/anvil-*/bin on PATH"
            )
        cmd = [binary, "--port", str(self.port), "--silent", *self.args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"anvil exited ({self.proc.returncode}): {err.strip()[:500]}")
            try:
                self.rpc("eth_chainId")
                return self
            except requests.RequestException:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"anvil did not answer on {self.url} within {self.timeout_s:g} s")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        answer = self._session.post(
            self.url,
            json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []},
            timeout=30,
        ).json()
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def timestamp_now(self) -> int:
        """Chain time: the latest block's timestamp."""
        return int(self.rpc("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    def jump_to(self, timestamp: int) -> int:
        """Mine one block at ``timestamp`` (or one second on, if that is already past)."""
        target = max(timestamp, self.timestamp_now() + 1)
        self.rpc("evm_setNextBlockTimestamp", [target])
        self.rpc("evm_mine")
        return target

    def set_balance(self, address: str, wei: int) -> None:
        self.rpc("anvil_setBalance", [address, hex(wei)])

    def __enter__(self) -> Anvil:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
