"""``keeper run`` as a real process against a spawned Anvil: health and metrics, the node
going away and coming back, catching up, ``keeper status``, and a clean SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import yaml

from tests.integration.anvil import AnvilNode, Deployed, free_port, keeper_env
from tests.integration.test_faults import ROOT, wait_for

FAILURES = 'keeper_job_runs_total{job="coupons",outcome="failure"}'


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def _metric(body: str, name: str) -> float:
    total = 0.0
    for line in body.splitlines():
        if line.startswith(name):
            total += float(line.rsplit(" ", 1)[1])
    return total


OUTAGE_S = 30.0  # issue #7: the node is down for 30 s
STARTUP_ALLOWANCE_S = 40  # deploy + keeper start-up, before the outage begins


@pytest.mark.slow
def test_daemon__30s_node_outage__coupons_due_meanwhile_funded_once__status_and_sigterm(
    tmp_path, project, accounts
):
    node = AnvilNode(tmp_path)
    node.start()
    try:
        # Coupons 1 and 2 fall due (chain time follows the wall clock here) while the node
        # is down: the outage starts 5 s before the first date, the second is 10 s later.
        t1 = node.timestamp_now() + STARTUP_ALLOWANCE_S
        deployed = Deployed(node, project, list(accounts), first_dates=[t1, t1 + 10])
        port = free_port()
        config = tmp_path / "keeper.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "version": 1,
                    "chain": {"network": node.url, "chain_id": 31337},
                    "signer": {"test_account": 3},
                    "data_dir": str(tmp_path / "state"),
                    "health": {"port": port},
                    "circuit_breaker": {"max_consecutive_failures": 1000},
                    "tx": {"stuck_after_s": 5, "receipt_timeout_s": 30, "poll_interval_s": 0.05},
                    "jobs": {
                        "coupons": {
                            "interval_s": 0.3,
                            "bonds": [{"name": "BL31", "address": deployed.bond.address}],
                        }
                    },
                }
            )
        )
        log = tmp_path / "keeper.log"
        proc = subprocess.Popen(
            [sys.executable, "-m", "keeper", "run", "--config", str(config)],
            cwd=ROOT,
            env=keeper_env(),
            stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),
        )
        health = f"http://127.0.0.1:{port}/health"
        metrics = f"http://127.0.0.1:{port}/metrics"
        try:
            wait_for(lambda: _get(health)[0] == 200, 60, "a healthy keeper")
            assert deployed.bond.functions.recorded_periods().call() == 0  # nothing due yet
            lead = t1 - 5 - time.time()
            assert lead > 0, "start-up took longer than STARTUP_ALLOWANCE_S; raise it"
            time.sleep(lead)
            # The node goes away (dumping its state) for 30 s: runs fail, counted in the
            # metrics, and the daemon keeps going.
            node.stop()
            down_at = time.monotonic()
            wait_for(
                lambda: _metric(_get(metrics)[1], FAILURES) >= 2,
                OUTAGE_S,
                "failed runs while the node is down",
            )
            time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - down_at)))
            assert proc.poll() is None, "the daemon must survive the outage"
            # Back from its dumped state; both coupon dates passed meanwhile. The chain
            # moves on (a block at the current time) and the keeper catches up.
            node.start(load_state=True)
            assert time.monotonic() - down_at >= OUTAGE_S
            assert deployed.funded(1) == (deployed.funded(1)[0], 0)
            node.mine()
            assert node.timestamp_now() > deployed.coupon_date(2)
            wait_for(lambda: deployed.funded(2)[1] == deployed.funded(2)[0] > 0, 60, "catch-up")
            assert deployed.funded(1)[1] == deployed.funded(1)[0]
            assert deployed.funding_count(1) == deployed.funding_count(2) == 1
            wait_for(lambda: _get(health)[0] == 200, 30, "healthy again")
            doc = json.loads(_get(health)[1])
            assert doc["jobs"]["coupons"]["last_error"] is None and doc["pending_txs"] == 0
            # Graceful stop.
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0
            assert '"msg": "stopped"' in log.read_text()
        except BaseException:
            print(log.read_text()[-6000:])
            raise
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
        # `keeper status` reads what is due and done, sends nothing.
        height = node.w3.eth.block_number
        out = subprocess.run(
            [sys.executable, "-m", "keeper", "status", "--json", "--config", str(config)],
            cwd=ROOT, env=keeper_env(), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        status = json.loads(out.stdout[out.stdout.index("{") :])
        (row,) = status["jobs"]["coupons"]
        assert row["due_periods"] == row["recorded_periods"] == 2
        assert row["unfunded_coupons"] == [] and not row["roll_needed"]
        assert node.w3.eth.block_number == height
    finally:
        node.stop()
