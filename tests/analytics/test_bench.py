"""The benchmark script runs and prints its Markdown section (tiny sizes; no timing asserts)."""

from __future__ import annotations

import pytest

from analytics import bench


def test_bench__prints_markdown_section_with_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--repeats", "1", "--paths", "200", "--memory-paths", "300"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## Analytics: TSDCM Monte Carlo")
    for row in (
        "200 paths x 1,000 steps, baseline + conversion, median of 1",
        "helper thread forced on",
        "helper thread off",
        "CPU time",
        "straightforward per-step NumPy loop",
        "300 paths (chunks of 10,000), fresh process",
        "max RSS",
    ):
        assert row in out


def test_bench__naive_reference_returns_a_duration() -> None:
    assert bench.naive_reference_seconds(n_paths=50, n_steps=20) > 0
