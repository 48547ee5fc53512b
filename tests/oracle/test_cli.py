"""The ``oracle`` command line: dry run output, JSON, exit codes, config errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from oracle.cli import cli
from tests.oracle.conftest import PAYLOADS, config_mapping

AS_OF = "2025-07-01T12:00:00Z"


@pytest.fixture
def config_file(tmp_path: Path, base_url: str) -> Path:
    mapping = config_mapping(base_url)
    for source in mapping["sources"].values():
        if source["type"] == "file":
            source["path"] = str(PAYLOADS / source["path"])
    path = tmp_path / "oracle.yaml"
    path.write_text(yaml.safe_dump(mapping), encoding="utf-8")
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner(mix_stderr=False).invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_fetch__all_feeds_pushable__exit_0_and_nothing_sent(
    serve_standard: None, config_file: Path
) -> None:
    code, out, _ = invoke("fetch", "--config", str(config_file), "--as-of", AS_OF)
    assert code == 0, out
    assert "nothing is sent to any chain" in out
    assert "PUSH    98.745 percent_of_par  period 2025-06-30T15:30:00Z" in out
    assert "PUSH    135.3 percent_of_gdp  period 2024" in out
    assert "3 of 3 feeds would be pushed; 0 rejections." in out


def test_fetch__rejection_printed_with_reason__exit_1(
    serve_standard: None, config_file: Path
) -> None:
    code, out, _ = invoke(
        "fetch", "--config", str(config_file), "--feed", "btp-price", "--as-of",
        "2025-07-03T12:00:00Z",
    )  # fmt: skip
    assert code == 1
    assert "NOTHING TO PUSH" in out
    assert "REJECT  custodian: stale: quote time 2025-06-30T15:30:00Z is 2d 20h old" in out
    assert "REJECT  (feed): no_quorum" in out


def test_fetch__json_output(serve_standard: None, config_file: Path) -> None:
    code, out, _ = invoke(
        "fetch", "--config", str(config_file), "--feed", "ITA-growth", "--json", "--as-of", AS_OF
    )
    assert code == 0
    document = json.loads(out)
    assert document["dry_run"] is True
    (feed,) = document["feeds"]
    assert feed["feed"] == "ITA-growth"
    assert feed["accepted"]["sources"] == ["imf", "worldbank"]
    assert len(feed["observations"]) == 2


def test_fetch__last_accepted_file_applies_deviation_limit(
    serve_standard: None, config_file: Path, tmp_path: Path
) -> None:
    mapping = yaml.safe_load(config_file.read_text())
    mapping["feeds"][0]["validation"] = {"max_deviation": {"relative_bps": 50}}
    config_file.write_text(yaml.safe_dump(mapping))
    last = tmp_path / "last.json"
    last.write_text(
        json.dumps({"btp-price": {"value": "97.0", "period": "x", "as_of": "2025-06-29T00:00:00Z"}})
    )
    code, out, _ = invoke(
        "fetch", "--config", str(config_file), "--feed", "btp-price",
        "--last-accepted", str(last), "--as-of", AS_OF,
    )  # fmt: skip
    assert code == 1
    assert "deviation_limit" in out


def test_fetch__unknown_feed__exit_2_lists_feeds(config_file: Path) -> None:
    code, _, err = invoke("fetch", "--config", str(config_file), "--feed", "nope")
    assert code == 2
    assert "unknown feed 'nope'" in err and "btp-price, ITA-debt, ITA-growth" in err


def test_fetch__bad_as_of__exit_2(config_file: Path) -> None:
    code, _, err = invoke("fetch", "--config", str(config_file), "--as-of", "2025-07-01")
    assert code == 2
    assert "needs a UTC offset" in err


def test_fetch__invalid_config__exit_2_with_key_and_fix(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "version: 1\nsources: {imf: {type: imf_datamapper}}\nfeeds:\n"
        "  - {name: d, kind: macro, country: ITA, series: debt, sources: [imf]}\n"
    )
    code, _, err = invoke("fetch", "--config", str(path))
    assert code == 2
    assert "feeds[0] (d).series" in err
    assert "fix:" in err


def test_check_config__valid_and_warns_on_missing_credential(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BONDLINE_TEST_CUSTODIAN_TOKEN")
    code, out, err = invoke("check-config", "--config", str(config_file))
    assert code == 0
    assert "valid (5 sources, 3 feeds)" in out
    assert "$BONDLINE_TEST_CUSTODIAN_TOKEN, which is not set" in err


def test_python_dash_m_oracle__help_for_newcomers() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "oracle", "--help"], capture_output=True, text=True, check=True
    )
    assert "oracle check-config --config config/oracle.example.yaml" in result.stdout
    assert "fetch" in result.stdout and "check-config" in result.stdout
