"""Deployment config: the example is valid; each mistake is reported at its key with a fix."""

from __future__ import annotations

import copy
from datetime import date

import pytest
import yaml

from analytics import bond_math
from deployment.config import (
    DeployConfigError,
    load_config,
    parse_config,
    resolve_plan,
)
from tests.deploy.conftest import CONFIG

NOW = bond_math.to_timestamp(date(2026, 11, 22)) + 3 * 3_600  # any chain time works


@pytest.fixture
def doc():
    return yaml.safe_load(CONFIG.read_text())


def _error(doc) -> DeployConfigError:
    with pytest.raises(DeployConfigError) as err:
        resolve_plan(parse_config(doc), NOW, 6)
    return err.value


def test_example_config_resolves_to_bond_math_schedules():
    config = load_config(CONFIG)
    plan = resolve_plan(config, NOW, 6)
    for bp in (plan.corporate, plan.sovereign):
        terms = bp.config
        assert bp.table == bond_math.coupon_table(
            bp.issue,
            bp.maturity,
            terms.frequency,
            terms.coupon_rate_bps,
            int(terms.denomination) * 10**6,
            bond_math.DayCount.parse(terms.day_count),
            terms.end_of_month,
        )
        assert bp.issue.year + terms.tenor_years == bp.maturity.year
        assert NOW < bp.deadline_ts < bp.table[0].end_ts
    assert plan.corporate.config.frequency == 2 and len(plan.corporate.table) == 6  # 3y semi


def test_unknown_key_suggests_the_right_one(doc):
    doc["corporate"]["tenor_year"] = doc["corporate"].pop("tenor_years")
    with pytest.raises(DeployConfigError) as err:
        parse_config(doc)
    issue = err.value.at("corporate.tenor_year")
    assert "unknown key" in issue.problem and "tenor_years" in issue.fix


def test_missing_role_is_named(doc):
    del doc["roles"]["keeper"]
    with pytest.raises(DeployConfigError) as err:
        parse_config(doc)
    assert "config/deploy.local.yaml" in err.value.at("roles.keeper").fix


def test_every_problem_is_reported_at_once(doc):
    doc["roles"]["admin"] = "0xnot-an-address"
    doc["sovereign"]["conversion"]["alpha"] = "1.5"
    doc["sovereign"]["country"] = "Sim"
    with pytest.raises(DeployConfigError) as err:
        parse_config(doc)
    assert "40 hex digits" in err.value.at("roles.admin").fix
    assert "outside (0, 1)" in err.value.at("sovereign.conversion.alpha").problem
    assert "three capital letters" in err.value.at("sovereign.country").fix
    assert len(err.value.issues) == 3


def test_bad_checksum_shows_the_correct_form(doc):
    doc["roles"]["custodian"] = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92267"
    with pytest.raises(DeployConfigError) as err:
        parse_config(doc)
    assert "checksum" in err.value.at("roles.custodian").problem


@pytest.mark.parametrize(
    ("path", "value", "location", "words"),
    [
        (("corporate", "issue_date"), "next year", "corporate.issue_date", "relative time"),
        (("corporate", "frequency"), 3, "corporate.frequency", "1, 2, 4"),
        (("corporate", "day_count"), "ACT/364", "corporate.day_count", "unknown day-count"),
        (("corporate", "isin"), "XS123", "corporate.isin", "not an ISIN"),
        (("corporate", "isin"), "XS0000000018", "corporate.isin", "should be 7"),
        (("sovereign", "symbol"), "BLS100", "sovereign.symbol", "at most 5"),
        (
            ("sovereign", "conversion", "beta"),
            "0.1234567890123456789",
            "sovereign.conversion.beta",
            "18 decimals",
        ),
        (
            ("sovereign", "conversion", "confirmation_delay_days"),
            400,
            "sovereign.conversion",
            "confirmation_delay_days",
        ),
        (("stablecoin", "address"), "0x" + "11" * 20, "stablecoin", "exactly one of"),
        (("version",), 2, "version", "not supported"),
    ],
)
def test_field_errors_name_key_and_fix(doc, path, value, location, words):
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(DeployConfigError) as err:
        parse_config(doc)
    issue = err.value.at(location)
    assert words in issue.problem + issue.fix
    assert issue.fix


def test_deadline_after_first_coupon_is_refused_before_anything_is_sent(doc):
    doc["corporate"]["round"]["deadline"] = "+250d"  # after issue (+35d) and coupon 1 (~+7m)
    err = _error(doc)
    issue = err.at("corporate.round.deadline")
    assert "first coupon date" in issue.problem and "close the round earlier" in issue.fix
    assert "before the round's deadline" in err.at("corporate.issue_date").problem


def test_absolute_dates_in_the_past_are_refused(doc):
    doc["sovereign"]["round"]["deadline"] = "2020-01-01"
    doc["sovereign"]["conversion"]["plt_maturity"] = "2020-06-30"
    err = _error(doc)
    assert "not after the deployment" in err.at("sovereign.round.deadline").problem
    assert "not after the deployment" in err.at("sovereign.conversion.plt_maturity").problem


def test_amounts_finer_than_the_stablecoin_are_refused(doc):
    doc["corporate"]["round"]["min_ticket"] = "100.0000001"
    assert "more decimals than" in _error(doc).at("corporate.round.min_ticket").problem


def test_target_must_be_a_whole_number_of_commitment_units(doc):
    doc["corporate"]["denomination"] = 1500  # UNIT = 1.5e9 / gcd(1.5e9, 1e18) = 3 units
    doc["corporate"]["round"]["target"] = "200000.000002"
    issue = _error(doc).at("corporate.round.target")
    assert "commitment unit (3 units)" in issue.problem


def test_pool_kyc_must_outlast_the_bonds(doc):
    doc["whitelist"]["pool_kyc_expiry"] = "+5y"  # the sovereign bond runs 10 years
    issue = _error(doc).at("whitelist.pool_kyc_expiry")
    assert "collect its coupons" in issue.problem


def test_yaml_syntax_error_gives_line_and_column(tmp_path):
    bad = tmp_path / "deploy.yaml"
    bad.write_text("version: 1\nroles:\n  admin: [0\n")
    with pytest.raises(DeployConfigError) as err:
        load_config(bad)
    assert err.value.issues[0].location.startswith("line ")


def test_mutations_do_not_leak_between_tests(doc):
    assert copy.deepcopy(doc) == yaml.safe_load(CONFIG.read_text())
