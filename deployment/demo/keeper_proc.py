"""The real keeper daemon (``keeper run``) as a child process of the demo.

The demo never calls keeper code in-process: it starts ``keeper run --config FILE``,
exactly what a node operator runs, and watches it through its ``/health`` and
``/metrics`` endpoints. After each jump of chain time the demo waits until every job has
finished a full pass that started after the jump, twice in a row with no transaction
pending: the keeper has then seen the new state and done everything it wanted to.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

_SUCCESS = re.compile(r'^keeper_job_last_success_timestamp\{job="([^"]+)"\} ([0-9.e+]+)$', re.M)


class KeeperProcess:
    def __init__(self, config: Path, health_port: int, log_file: Path) -> None:
        self.config = config
        self.base = f"http://127.0.0.1:{health_port}"
        self.log_file = log_file
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, jobs: list[str], timeout: float = 60.0) -> None:
        env = dict(os.environ)
        env.setdefault("PYTHONWARNINGS", "ignore")
        self._log = self.log_file.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "keeper", "run", "--config", str(self.config)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            health = self.health()
            if health is not None and set(jobs) <= set(health.get("jobs", {})):
                if all(health["jobs"][j]["last_success_age_s"] is not None for j in jobs):
                    return
            time.sleep(0.2)
        raise RuntimeError(
            f"the keeper did not become ready in {timeout:.0f} s; see {self.log_file}"
        )

    def _check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(
                f"the keeper exited with status {self.proc.returncode}; see {self.log_file}"
            )

    def _get(self, path: str) -> tuple[int, str] | None:
        try:
            with urllib.request.urlopen(self.base + path, timeout=2) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError:
            return None

    def health(self) -> dict[str, Any] | None:
        got = self._get("/health")
        if got is None:
            return None
        try:
            return json.loads(got[1])  # type: ignore[no-any-return]
        except json.JSONDecodeError:
            return None

    def metrics(self) -> str:
        got = self._get("/metrics")
        return got[1] if got else ""

    def last_success(self) -> dict[str, float]:
        return {job: float(ts) for job, ts in _SUCCESS.findall(self.metrics())}

    def settle(self, jobs: list[str], timeout: float = 60.0) -> None:
        """Wait for two complete passes of every job after now, with nothing pending."""
        deadline = time.monotonic() + timeout
        for _ in range(2):
            mark = time.time()
            while True:
                self._check_alive()
                done = self.last_success()
                health = self.health() or {}
                if (
                    all(done.get(job, 0.0) > mark for job in jobs)
                    and health.get("pending_txs", 1) == 0
                ):
                    break
                if time.monotonic() > deadline:
                    errors = {k: v.get("last_error") for k, v in health.get("jobs", {}).items()}
                    raise RuntimeError(
                        f"the keeper did not settle within {timeout:.0f} s (job errors: "
                        f"{errors}); see {self.log_file}"
                    )
                time.sleep(0.05)

    def stop(self) -> int | None:
        """SIGTERM (graceful: in-flight work finishes or is parked), then wait."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode
