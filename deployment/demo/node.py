"""The demo's own Anvil: started at a fixed chain time, state dumped to a file on exit.

The demo spawns the ``anvil`` binary (from the pinned npm package, on PATH via
``./bondline``) itself rather than through ape-foundry, because it needs two things the
plugin does not expose: ``--timestamp`` (the demo's calendar is the same on every run)
and ``--dump-state`` (the chain is left in a file you can load and inspect afterwards).
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AnvilProcess:
    def __init__(self, state_file: Path, *, timestamp: int, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state_file = state_file
        self.timestamp = timestamp
        self.proc: subprocess.Popen[bytes] | None = None
        self._session = requests.Session()

    def start(self, load_state: Path | None = None) -> AnvilProcess:
        """Start a new chain at ``timestamp`` (or continue the one in ``load_state``)."""
        binary = shutil.which("anvil")
        if binary is None:
            raise RuntimeError(
                "the `anvil` binary is not on PATH; run the demo through ./bondline demo "
                "(it puts node_modules/@foundry-rs/anvil-*/bin on PATH)"
            )
        cmd = [
            binary, "--port", str(self.port), "--silent", "--dump-state", str(self.state_file),
            "--accounts", "10", "--balance", "1000000", "--base-fee", "1000000000",
        ]  # fmt: skip
        if load_state is not None:
            cmd += ["--load-state", str(load_state)]
        else:
            cmd += ["--timestamp", str(self.timestamp)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"anvil exited at start-up: {err.strip()[:500]}")
            try:
                self.rpc("eth_chainId")
                return self
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError(f"anvil did not answer on {self.url} within 20 s")

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        reply = self._session.post(
            self.url,
            json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []},
            timeout=10,
        ).json()
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def timestamp_now(self) -> int:
        return int(self.rpc("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    def jump_to(self, timestamp: int) -> int:
        """Mine one block at ``timestamp`` (or now, if that is already past)."""
        target = max(timestamp, self.timestamp_now() + 1)
        self.rpc("evm_setNextBlockTimestamp", [target])
        self.rpc("evm_mine")
        return target

    def set_balance(self, address: str, wei: int) -> None:
        self.rpc("anvil_setBalance", [address, hex(wei)])

    def stop(self) -> None:
        """SIGINT: Anvil writes ``--dump-state`` on the way out."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
