"""`ape run deploy` semantics: a live deployment file is never overwritten by accident."""

from __future__ import annotations

import shutil

import pytest

from deployment.deploy import DeployRefused, check_existing, deploy_to_file
from keeper.deployment import Deployment, load_deployment
from tests.deploy.conftest import CONFIG


def test_rerun_is_refused_while_the_deployment_is_live(deployment_file, tmp_path, chain):
    out = tmp_path / "local.json"
    shutil.copy(deployment_file, out)
    before, head = out.read_bytes(), chain.blocks.head.number
    with pytest.raises(DeployRefused, match="--redeploy") as err:
        deploy_to_file(CONFIG, out, log=lambda _m: None)
    assert "live on chain" in str(err.value)
    assert out.read_bytes() == before
    assert chain.blocks.head.number == head  # nothing was sent


def test_redeploy_deploys_anew_and_replaces_the_file(deployed, deployment_file, tmp_path, chain):
    out = tmp_path / "local.json"
    shutil.copy(deployment_file, out)
    lines: list[str] = []
    fresh = deploy_to_file(CONFIG, out, redeploy=True, log=lines.append)
    assert any("--redeploy" in line for line in lines)
    written = load_deployment(out)
    assert written.contracts == fresh.contracts
    assert written.block > deployed.block
    for key, old in deployed.contracts.items():
        assert fresh.address(key) != old, key
        assert chain.provider.get_code(fresh.address(key)), key
        assert chain.provider.get_code(old), key  # the old deployment is left alone


def _file(tmp_path, chain_id: int, contracts: dict[str, str]):
    path = tmp_path / "deployment.json"
    Deployment(chain_id=chain_id, block=1, deployed_at=0, contracts=contracts).write(path)
    return path


def test_file_for_another_chain_is_refused_unless_redeploy(deployed, tmp_path, chain):
    other = chain.chain_id + 1
    path = _file(tmp_path, other, deployed.contracts)
    with pytest.raises(DeployRefused, match=f"chain {other}") as err:
        check_existing(path, redeploy=False, log=lambda _m: None)
    assert "--redeploy" in str(err.value)
    notes: list[str] = []
    check_existing(path, redeploy=True, log=notes.append)
    assert notes and f"chain {other}" in notes[0]


def test_stale_file_without_code_is_replaced_with_a_note(tmp_path, chain):
    nowhere = {"whitelist": "0x" + "ab" * 20, "corporate.bond": "0x" + "cd" * 20}
    path = _file(tmp_path, chain.chain_id, nowhere)
    notes: list[str] = []
    check_existing(path, redeploy=False, log=notes.append)
    assert notes and "has code" in notes[0]


def test_unreadable_output_file_is_refused(tmp_path):
    path = tmp_path / "deployment.json"
    path.write_text("{not json")
    with pytest.raises(DeployRefused, match="not a readable deployment file"):
        check_existing(path, redeploy=False, log=lambda _m: None)


def test_non_local_chain_refuses_test_accounts_and_the_mock_stablecoin(
    deploy_config, monkeypatch, chain, accounts
):
    from deployment.deploy import DeployError, deploy_protocol

    monkeypatch.setattr("deployment.deploy.is_local_chain", lambda: False)
    head = chain.blocks.head.number
    with pytest.raises(DeployError, match="deployer: test-account index 9 on a non-local chain"):
        deploy_protocol(deploy_config)
    names = [
        "admin", "kyc_operator", "compliance", "paying_agent", "custodian", "issuer", "keeper",
        "sovereign.issuer",
    ]  # fmt: skip
    given = {name: accounts[i].address for i, name in enumerate(names)}
    with pytest.raises(DeployError, match="MockUSDC is for local chains only"):
        deploy_protocol(deploy_config, accounts={"deployer": accounts[9], **given})
    assert chain.blocks.head.number == head
