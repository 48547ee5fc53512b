"""Config validation: every problem names the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from keeper.cli import main
from keeper.exceptions import ConfigError
from keeper.settings import load_settings, parse_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "keeper.example.yaml"
BOND = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def minimal(**changes) -> dict:
    doc = {
        "version": 1,
        "signer": {"test_account": 3},
        "jobs": {"coupons": {"bonds": [{"name": "BL31", "address": BOND}]}},
    }
    doc.update(changes)
    return doc


def issues(doc: dict) -> list[tuple[str, str, str]]:
    with pytest.raises(ConfigError) as info:
        parse_settings(doc)
    return [(i.location, i.problem, i.fix) for i in info.value.issues]


def test_example_config__valid_with_paths_relative_to_the_file():
    settings = load_settings(EXAMPLE)
    assert settings.signer.alias == "keeper"
    assert settings.data_dir == (ROOT / "keeper-data").resolve()
    assert settings.enabled_jobs() == ["coupons"]


def test_minimal_config__defaults():
    settings = parse_settings(minimal())
    assert settings.chain.network == "ethereum:local:foundry"
    assert settings.tx.bump_percent >= 10 and settings.health.host == "127.0.0.1"


def test_raw_private_key__refused_with_the_way_to_import_it():
    doc = minimal(signer={"private_key": "0x" + "ab" * 32})
    [(where, problem, fix)] = issues(doc)
    assert where == "signer" and "secret" in problem and "ape accounts import" in fix


def test_key_like_value__refused():
    [(where, problem, _)] = issues(minimal(signer={"alias": "0x" + "cd" * 32}))
    assert where == "signer" and "raw private key" in problem


def test_alias_without_passphrase_env__says_to_add_it():
    [(where, problem, fix)] = issues(minimal(signer={"alias": "keeper"}))
    assert where == "signer" and "passphrase_env" in problem and "KEEPER_PASSPHRASE" in fix


def test_alias_and_test_account__exactly_one():
    [(_, problem, _)] = issues(
        minimal(signer={"alias": "k", "test_account": 1, "passphrase_env": "P"})
    )
    assert "exactly one" in problem


def test_bad_checksum__names_the_bond_and_the_checksummed_form():
    bad = BOND[:-1] + "A"
    doc = minimal(jobs={"coupons": {"bonds": [{"name": "BL31", "address": bad}]}})
    [(where, problem, _)] = issues(doc)
    assert where == "jobs.coupons.bonds[0].address" and "checksum" in problem


def test_unknown_key__did_you_mean():
    doc = minimal(tx={"max_fee_gwie": 10})
    [(where, problem, fix)] = issues(doc)
    assert where == "tx.max_fee_gwie" and "unknown key" in problem
    assert "did you mean `max_fee_gwei`" in fix


def test_several_problems__all_reported_at_once():
    doc = minimal(version=2, tx={"bump_percent": 5}, health={"host": "0.0.0.0"})
    where = {w for w, _, _ in issues(doc)}
    assert where == {"version", "tx.bump_percent", "health.host"}


def test_duplicate_bond__refused():
    bonds = [{"name": "A", "address": BOND}, {"name": "B", "address": BOND}]
    [(where, problem, _)] = issues(minimal(jobs={"coupons": {"bonds": bonds}}))
    assert where == "jobs.coupons.bonds" and "duplicate bond address" in problem


def test_no_job__refused():
    [(where, problem, fix)] = issues(minimal(jobs={}))
    assert where == "jobs" and "no job" in problem and "jobs.coupons" in fix


def test_prices_job_without_oracle_config__names_the_key():
    feeds = [{"feed": "BTP-2030-price", "address": BOND}]
    doc = minimal(jobs={"prices": {"feeds": feeds}})
    [(_, problem, fix)] = issues(doc)
    assert "oracle" in problem and "oracle_config" in fix


def test_priority_above_cap__refused():
    [(where, problem, _)] = issues(minimal(tx={"priority_fee_gwei": 5, "max_fee_gwei": 2}))
    assert where == "tx" and "priority_fee_gwei" in problem


def test_yaml_syntax_error__line_and_column(tmp_path):
    path = tmp_path / "k.yaml"
    path.write_text("version: 1\nsigner: [\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert info.value.issues[0].location.startswith("line ")


def test_missing_file__says_so(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_settings(tmp_path / "nope.yaml")


# ------------------------------------------------------------------ check-config CLI
def test_check_config_cli__valid__exit_0_and_summary():
    result = CliRunner().invoke(main, ["check-config", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "bond BL31" in result.output


def test_check_config_cli__invalid__exit_2_with_key_and_fix(tmp_path):
    path = tmp_path / "k.yaml"
    path.write_text(yaml.safe_dump(minimal(tx={"bump_percent": 5})))
    result = CliRunner().invoke(main, ["check-config", str(path)])
    assert result.exit_code == 2
    assert "tx.bump_percent" in result.output and "fix:" in result.output


def _deployment_file(tmp_path, chain_id=31337):
    from keeper.deployment import Deployment

    path = tmp_path / "deployment.json"
    Deployment(chain_id=chain_id, block=7, deployed_at=1, contracts={"corporate.bond": BOND}).write(
        path
    )
    return path


def test_deployment_reference__resolved_and_chain_id_defaults_to_the_deployments(tmp_path):
    _deployment_file(tmp_path, chain_id=1337)
    doc = minimal(deployment="deployment.json")
    doc["jobs"]["coupons"]["bonds"][0]["address"] = "@corporate.bond"
    settings = parse_settings(doc, base_dir=tmp_path)
    assert settings.jobs.coupons.bonds[0].address == BOND
    assert settings.chain.chain_id == 1337
    assert settings.deployment == (tmp_path / "deployment.json").resolve()


def test_deployment_reference__unknown_name_lists_the_known_ones(tmp_path):
    _deployment_file(tmp_path)
    doc = minimal(deployment="deployment.json")
    doc["jobs"]["coupons"]["bonds"][0]["address"] = "@corporate.bnd"
    with pytest.raises(ConfigError) as err:
        parse_settings(doc, base_dir=tmp_path)
    issue = err.value.issues[0]
    assert issue.location == "jobs.coupons.bonds[0].address"
    assert "corporate.bnd" in issue.problem and "corporate.bond" in issue.problem


def test_deployment_reference__without_deployment_file_is_refused(tmp_path):
    doc = minimal()
    doc["jobs"]["coupons"]["bonds"][0]["address"] = "@corporate.bond"
    with pytest.raises(ConfigError) as err:
        parse_settings(doc, base_dir=tmp_path)
    assert "deployment" in err.value.issues[0].fix


def test_deployment_file__missing_or_foreign_is_a_config_error(tmp_path):
    (tmp_path / "other.json").write_text('{"contracts": {}}')
    for name in ("nope.json", "other.json"):
        with pytest.raises(ConfigError) as err:
            parse_settings(minimal(deployment=name), base_dir=tmp_path)
        assert err.value.issues[0].location == "deployment"


def test_help__explains_the_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for word in ("check-config", "status", "once", "run", "--dry-run", "ape accounts import"):
        assert word in result.output
