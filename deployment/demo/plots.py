"""The demo's PNG: prices and the AMM band, macro data against the TSDCM thresholds, and
coupons funded and claimed, all read from the chain at each step."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def plot_history(history: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    when = [datetime.fromtimestamp(s["chain_time"], UTC) for s in history]
    fig, axes = plt.subplots(2, 2, figsize=(13, 8), constrained_layout=True)
    for ax, name in zip(axes[0], ("corporate", "sovereign"), strict=True):
        rows = [(w, s["bonds"][name]) for w, s in zip(when, history, strict=True)]
        src = [(w, b["feed"]["source"]) for w, b in rows if b["feed"]["source"] is not None]
        chain = [(w, b["feed"]["answer"]) for w, b in rows if b["feed"]["answer"] is not None]
        band = [(w, b["amm"]["band"], b["amm"]["spot"]) for w, b in rows if b["amm"]["x"] > 1]
        if src:
            ax.plot(*zip(*src, strict=True), ".", color="0.6", label="custodian quote")
        if chain:
            ax.step(*zip(*chain, strict=True), where="post", label="PriceFeed (on-chain)")
        if band:
            ws = [w for w, _, _ in band]
            ax.fill_between(ws, [b[0] for _, b, _ in band], [b[2] for _, b, _ in band],
                            step="post", alpha=0.15, label="AMM band")  # fmt: skip
            ax.plot(ws, [s for _, _, s in band], "x", ms=4, label="AMM spot (clean)")
        symbol = history[-1]["bonds"][name]["symbol"]
        ax.set_title(f"{name} bond {symbol}: clean price, % of par")
        ax.legend(fontsize=8)
    ax = axes[1][0]
    macro = [(w, s["macro"]) for w, s in zip(when, history, strict=True) if s["macro"]["period"]]
    if macro:
        ax.step([w for w, _ in macro], [m["debt_pct"] for _, m in macro], where="post",
                label="debt / GDP, % (on-chain)")  # fmt: skip
        ax.axhline(macro[-1][1]["debt_threshold"], ls="--", color="C0", label="D*")
        ax2 = ax.twinx()
        ax2.step([w for w, _ in macro], [m["growth_pct"] for _, m in macro], where="post",
                 color="C1", label="GDP growth, %/yr")  # fmt: skip
        ax2.axhline(macro[-1][1]["growth_threshold"], ls="--", color="C1", label="g*")
        ax2.legend(loc="lower right", fontsize=8)
    conv = history[-1]["conversion"]
    if conv.get("converted"):
        ax.axvline(datetime.fromtimestamp(conv["time"], UTC), color="red", label="conversion")
    ax.set_title("sovereign macro data and TSDCM trigger")
    ax.legend(loc="upper left", fontsize=8)
    ax = axes[1][1]
    for name in ("corporate", "sovereign"):
        funded = [s["bonds"][name]["coupons"]["funded"] / 1e6 for s in history]
        claimed = [s["bonds"][name]["coupons"]["claimed"] / 1e6 for s in history]
        ax.step(when, funded, where="post", label=f"{name}: funded")
        ax.step(when, claimed, where="post", ls="--", label=f"{name}: claimed")
    ax.set_title("coupons, cumulative USDC")
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=90)
    plt.close(fig)
