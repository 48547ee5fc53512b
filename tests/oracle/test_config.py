"""The maintainer's YAML: the example loads, and every error names the key and the fix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from oracle.config import isin_check_digit, load_config, parse_config
from oracle.errors import ConfigError, ConfigIssue
from tests.oracle.conftest import config_mapping

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "oracle.example.yaml"
DOC = ROOT / "docs" / "oracle-config.md"


def issues_of(data: Any) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, origin="<test>")
    return caught.value.issues


def only_issue(data: Any) -> ConfigIssue:
    issues = issues_of(data)
    assert len(issues) == 1, issues
    return issues[0]


def base() -> dict[str, Any]:
    return config_mapping("http://127.0.0.1:9")


def test_example_config__loads_with_every_source_type() -> None:
    config = load_config(EXAMPLE)
    types = {source.type for source in config.sources.values()}
    assert types == {"custodian_http", "imf_datamapper", "world_bank", "file", "simulated"}
    assert config.base_dir == EXAMPLE.parent
    assert config.http_for("custodian").read_timeout_s == 5
    assert config.http_for("custodian").retry.attempts == 3  # inherited
    assert config.http_for("imf").read_timeout_s == 10


def test_docs_example__is_the_example_file_and_valid() -> None:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    complete = [block for block in blocks if "\nversion: 1\n" in block]
    assert complete, "docs/oracle-config.md must show a complete example"
    assert yaml.safe_load(complete[0]) == yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def test_valid_mapping__parses() -> None:
    config = parse_config(base())
    assert [feed.name for feed in config.feeds] == ["btp-price", "ITA-debt", "ITA-growth"]


def test_unknown_key__suggests_the_close_one() -> None:
    data = base()
    data["feeds"][1]["validation"] = {"max_lag": 3}
    issue = only_issue(data)
    assert issue.location == "feeds[1] (ITA-debt).validation.max_lag"
    assert "unknown key `max_lag`" in issue.problem
    assert "did you mean `max_lag_years`?" in issue.fix


def test_unknown_key_in_source__lists_allowed_keys() -> None:
    data = base()
    data["sources"]["worldbank"]["perpage"] = 10
    issue = only_issue(data)
    assert issue.location == "sources.worldbank.perpage"
    assert "per_page" in issue.fix and "max_pages" in issue.fix


def test_missing_key__says_which_to_add() -> None:
    data = base()
    del data["sources"]["custodian"]["value_path"]
    issue = only_issue(data)
    assert issue.location == "sources.custodian.value_path"
    assert issue.fix == "add `value_path:` here"


def test_unknown_source_type__lists_the_types() -> None:
    data = base()
    data["sources"]["imf"]["type"] = "imf"
    issue = only_issue(data)
    assert issue.location == "sources.imf.type"
    assert "imf_datamapper" in issue.fix


def test_bad_country_code__shows_the_capitalised_fix() -> None:
    data = base()
    data["feeds"][1]["country"] = "ita"
    issue = only_issue(data)
    assert issue.location == "feeds[1] (ITA-debt).country"
    assert issue.fix == "write three capital letters, e.g. ITA"


def test_isin_with_wrong_check_digit__gives_the_right_digit() -> None:
    data = base()
    data["feeds"][0]["isin"] = "IT0005083058"
    issue = only_issue(data)
    assert "last character should be 7" in issue.problem


@pytest.mark.parametrize(
    ("isin", "digit"),
    [
        ("US0378331005", 5),
        ("IT0005083057", 7),
        ("GB0002634946", 6),
        ("FR0000131104", 4),
        ("DE000BAY0017", 7),
    ],
)
def test_isin_check_digit__known_isins(isin: str, digit: int) -> None:
    assert isin_check_digit(isin[:11]) == digit


def test_range_min_above_max__swap_fix() -> None:
    data = base()
    data["feeds"][0]["validation"] = {"range": {"min": 150, "max": 50}}
    issue = only_issue(data)
    assert issue.location == "feeds[0] (btp-price).validation.range"
    assert "swap" in issue.fix


def test_tolerance_with_both_kinds__exactly_one() -> None:
    data = base()
    data["feeds"][2]["aggregation"]["max_spread"] = {"absolute": 1, "relative_bps": 100}
    issue = only_issue(data)
    assert "exactly one of relative_bps and absolute" in issue.problem


def test_negative_timeout__bound_named() -> None:
    data = base()
    data["http"]["read_timeout_s"] = -1
    issue = only_issue(data)
    assert issue.location == "http.read_timeout_s"
    assert "greater than 0" in issue.problem


def test_unknown_source_reference__suggests_the_defined_name() -> None:
    data = base()
    data["feeds"][1]["sources"] = ["imff"]
    issue = only_issue(data)
    assert issue.location == "feeds[1] (ITA-debt).sources[0]"
    assert "did you mean 'imf'?" in issue.fix


def test_quorum_above_source_count__fix_names_the_maximum() -> None:
    data = base()
    data["feeds"][2]["aggregation"]["quorum"] = 3
    issue = only_issue(data)
    assert issue.location == "feeds[2] (ITA-growth).aggregation.quorum"
    assert "at most 2" in issue.fix


def test_several_sources_without_max_spread__asks_for_one() -> None:
    data = base()
    del data["feeds"][2]["aggregation"]["max_spread"]
    issue = only_issue(data)
    assert issue.location == "feeds[2] (ITA-growth).aggregation.max_spread"


def test_price_source_on_macro_feed__wrong_type() -> None:
    data = base()
    data["feeds"][1]["sources"] = ["custodian"]
    issue = only_issue(data)
    assert "cannot serve a macro feed" in issue.problem


def test_file_unit_not_fitting_feed_kind() -> None:
    data = base()
    data["feeds"][0]["sources"] = ["debt_csv"]
    issue = only_issue(data)
    assert "unit 'fraction'" in issue.problem
    assert "percent_of_par" in issue.fix


def test_duplicate_feed_names() -> None:
    data = base()
    data["feeds"][2]["name"] = "ITA-debt"
    issue = only_issue(data)
    assert issue.location == "feeds[2] (ITA-debt).name"
    assert "already used by feeds[1]" in issue.problem


def test_per_unit_price_without_face_value() -> None:
    data = base()
    data["sources"]["custodian"]["price_unit"] = "per_unit"
    issue = only_issue(data)
    assert "face_value" in issue.fix


def test_bad_json_path__grammar_hint() -> None:
    data = base()
    data["sources"]["custodian"]["value_path"] = "data..price"
    issue = only_issue(data)
    assert issue.location == "sources.custodian.value_path"
    assert "e.g. data.price" in issue.fix


def test_unknown_path_placeholder() -> None:
    data = base()
    data["sources"]["custodian"]["path"] = "/v1/{bond}/quote"
    issue = only_issue(data)
    assert "{bond}" in issue.problem or "bond" in issue.problem
    assert "{isin}" in issue.fix


def test_secret_in_env_field__refused() -> None:
    data = base()
    data["sources"]["custodian"]["auth"]["env"] = "Bearer abc.def"
    issue = only_issue(data)
    assert "never the secret" in issue.fix


def test_simulated_grid_not_whole_steps() -> None:
    data = base()
    data["sources"]["sim"] = {"type": "simulated", "start_year": 2024, "years": 1, "dt": 0.3}
    issue = only_issue(data)
    assert issue.location == "sources.sim"
    assert "whole number of dt steps" in issue.problem


def test_several_problems__all_reported_at_once() -> None:
    data = base()
    data["version"] = 2
    data["feeds"][0]["kind"] = "prize"
    data["sources"]["imf"]["base_url"] = "ftp://imf.org"
    issues = issues_of(data)
    locations = {issue.location for issue in issues}
    assert locations == {"version", "feeds[0] (btp-price).kind", "sources.imf.base_url"}
    assert "use one of 'price', 'macro'" in str(ConfigError("<test>", issues))


def test_unknown_source_reported_together_with_field_errors() -> None:
    data = base()
    data["feeds"][1]["sources"] = ["imff"]
    data["feeds"][0]["isin"] = "IT0005083058"
    locations = [issue.location for issue in issues_of(data)]
    assert locations == ["feeds[0] (btp-price).isin", "feeds[1] (ITA-debt).sources[0]"]


def test_load_config__missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml")
    assert "file not found" in str(caught.value)


def test_load_config__yaml_syntax_error_has_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nsources:\n  imf: {type: imf_datamapper\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    (issue,) = caught.value.issues
    assert issue.location.startswith("line ")
    assert "YAML syntax" in issue.problem


def test_load_config__duplicate_yaml_key_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(
        "version: 1\nsources:\n  imf: {type: imf_datamapper}\n  imf: {type: world_bank}\n"
        "feeds: []\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "duplicate key 'imf'" in str(caught.value)


def test_top_level_not_a_mapping() -> None:
    issue = only_issue(["version", 1])
    assert "mapping" in issue.problem
