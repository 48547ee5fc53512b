"""``keeper check-config`` for the prices and macro jobs: the commented sections of
config/keeper.example.yaml are valid once uncommented, and a feed the oracle config lacks
(or of the wrong kind) is reported with its key and the fix, before any chain access."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from keeper.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "keeper.example.yaml"
ORACLE_EXAMPLE = ROOT / "config" / "oracle.example.yaml"


def uncommented_example(tmp_path: Path) -> Path:
    """The example with its `oracle_config` and every commented job section uncommented."""
    lines = []
    for line in EXAMPLE.read_text().splitlines():
        if line.startswith("# oracle_config:"):
            line = f"oracle_config: {ORACLE_EXAMPLE}"
        elif re.match(r"^  # (prices:|macro:|escrow:|amm:|conversion:|\s)", line):
            line = "  " + line[4:]
        lines.append(line)
    path = tmp_path / "keeper.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_example_feed_sections__valid_and_listed(tmp_path):
    path = uncommented_example(tmp_path)
    jobs = {"coupons", "prices", "macro", "escrow", "amm", "conversion"}
    assert set(yaml.safe_load(path.read_text())["jobs"]) == jobs
    result = CliRunner().invoke(main, ["check-config", str(path)])
    assert result.exit_code == 0, result.output
    assert "job prices: every 15 s" in result.output
    assert (
        "feed BL31 at 0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9: oracle feed BTP-2030-price"
        in result.output
    )
    assert "heartbeat 3600 s, deviation 50 bps" in result.output
    assert "sovereign italy (ITA)" in result.output and "batcher 0x9fE4" in result.output


def test_unknown_oracle_feed__exit_2_naming_the_key(tmp_path):
    path = uncommented_example(tmp_path)
    path.write_text(path.read_text().replace("feed: BTP-2030-price", "feed: BTP-2031-price"))
    result = CliRunner().invoke(main, ["check-config", str(path)])
    assert result.exit_code == 2
    assert "jobs.prices.feeds[0].feed (BL31)" in result.output
    assert "no feed named 'BTP-2031-price'" in result.output and "BTP-2030-price" in result.output


def test_wrong_series_for_a_sovereign__exit_2(tmp_path):
    path = uncommented_example(tmp_path)
    text = path.read_text().replace("debt_feed: ITA-debt_to_gdp", "debt_feed: ITA-gdp_growth")
    path.write_text(text)
    result = CliRunner().invoke(main, ["check-config", str(path)])
    assert result.exit_code == 2
    assert "jobs.macro.sovereigns[0].debt_feed (italy)" in result.output


def test_price_job_pointing_at_a_macro_feed__exit_2(tmp_path):
    path = uncommented_example(tmp_path)
    path.write_text(path.read_text().replace("feed: BTP-2030-price", "feed: ITA-debt_to_gdp"))
    result = CliRunner().invoke(main, ["check-config", str(path)])
    assert result.exit_code == 2
    assert "is a macro feed, not a price feed" in result.output
