"""`ape run deploy` as a command: exit statuses and messages, against an Anvil of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deployment.anvil import Anvil
from tests.deploy.conftest import CONFIG, ROOT

pytestmark = pytest.mark.slow


def ape_run_deploy(*args: str) -> subprocess.CompletedProcess[str]:
    ape = str(Path(sys.executable).with_name("ape"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [ape, "run", "deploy", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_help_explains_the_options():
    result = ape_run_deploy("--help")
    assert result.returncode == 0, result.stderr
    for word in ("--config", "--out", "--redeploy", "Refuses"):
        assert word in result.stdout


def test_second_run_exits_non_zero_and_redeploy_replaces(tmp_path):
    out = tmp_path / "local.json"
    with Anvil() as node:
        args = ("--config", str(CONFIG), "--out", str(out), "--network", node.url)
        first = ape_run_deploy(*args)
        assert first.returncode == 0, first.stdout + first.stderr
        deployed = json.loads(out.read_text())
        assert deployed["chain_id"] == int(node.rpc("eth_chainId"), 16)
        for address in deployed["contracts"].values():
            assert node.rpc("eth_getCode", [address, "latest"]) not in ("0x", "")

        again = ape_run_deploy(*args)
        assert again.returncode == 2
        assert "refused" in again.stderr and "--redeploy" in again.stderr
        assert json.loads(out.read_text()) == deployed

        forced = ape_run_deploy(*args, "--redeploy")
        assert forced.returncode == 0, forced.stdout + forced.stderr
        replaced = json.loads(out.read_text())
        assert set(replaced["contracts"]) == set(deployed["contracts"])
        assert not set(replaced["contracts"].values()) & set(deployed["contracts"].values())


def test_invalid_config_exits_1_with_the_key(tmp_path):
    bad = tmp_path / "deploy.yaml"
    bad.write_text(CONFIG.read_text().replace("tenor_years: 3", "tenor_year: 3"))
    with Anvil() as node:
        result = ape_run_deploy("--config", str(bad), "--out", str(tmp_path / "x.json"),
                                "--network", node.url)  # fmt: skip
    assert result.returncode == 1
    assert "corporate.tenor_year" in result.stderr and "tenor_years" in result.stderr
    assert not (tmp_path / "x.json").exists()
