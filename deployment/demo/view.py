"""The live status view: one screen per step, redrawn in place on a terminal (plain
appended blocks otherwise, e.g. when piped to a file or in CI)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

CLEAR = "\x1b[H\x1b[2J"


def _usd(units: int | float, decimals: int = 6) -> str:
    return f"{units / 10**decimals:>14,.2f}"


def render_lines(s: dict[str, Any]) -> list[str]:
    lines = [
        f"bondline demo  chain date {s['date']}  step: {s['label']}  (wall {s['wall_s']:.0f} s)",
        "",
    ]
    for name, b in s["bonds"].items():
        e = b["escrow"]
        lines.append(f"[{name}] {b['symbol']}  {b['rate_pct']:.2f}% {b['frequency']}x/yr, "
                     f"matures {b['maturity']}")  # fmt: skip
        lines.append(
            f"  round     {e['phase']:<10} raised {_usd(e['raised'])} of {_usd(e['target'])} "
            f"USDC  investors {e['investors']}  bonds delivered to {e['delivered']}"
        )
        f = b["feed"]
        src = "-" if f["source"] is None else f"{f['source']:.4f}"
        onchain = "-" if f["answer"] is None else f"{f['answer']:.4f}"
        lines.append(
            f"  price     custodian {src:>9} % of par   on-chain {onchain:>9}   "
            f"age {f['age_s'] if f['age_s'] is not None else '-'} s"
        )
        a = b["amm"]
        if a["x"] > 1:  # more than the locked minimum liquidity
            lines.append(
                f"  AMM       band {a['band'][0]:.3f} .. {a['band'][2]:.3f}  spot "
                f"{a['spot']:.3f} % of par   pool {a['x']:,.0f} bonds + {_usd(a['cash']).strip()} "
                f"USDC   trades {a['trades']}"
            )
        else:
            lines.append("  AMM       not seeded")
        c = b["coupons"]
        lines.append(
            f"  coupons   due {c['due']}/{c['periods']}  funded {_usd(c['funded'])}  claimed "
            f"{_usd(c['claimed'])} USDC  (pool collected {_usd(c['pool_collected']).strip()})"
        )
        r = b["redemption"]
        if r["due"]:
            lines.append(
                f"  redeem    due {_usd(r['due'])}  funded {_usd(r['funded'])}  paid "
                f"{_usd(r['paid'])} USDC"
            )
        lines.append("")
    m = s["macro"]
    if m is not None:
        latest = (
            "no data yet"
            if m["period"] is None
            else f"{m['period']}: debt {m['debt_pct']:.2f}% of GDP (D* {m['debt_threshold']:.0f}%),"
            f" growth {m['growth_pct']:.2f}%/yr (g* {m['growth_threshold']:.2f}%)"
        )
        lines.append(f"[macro {m['country']}] {latest}")
    c = s["conversion"]
    if c is not None:
        if c["converted"]:
            payout = "final" if c["final"] else "accruing"
            lines.append(
                f"[TSDCM] converted on {c['date']}: {c['retired']:,.2f} bonds retired, "
                f"PLT claimed {c['plt_claimed']:,.2f}, payout {payout}"
            )
        else:
            lines.append(f"[TSDCM] not converted: {c['reason']}")
    k = s["keeper"]
    lines.append(
        f"[keeper] transactions mined {k['txs']}  reverted {k['failed']}  healthy {k['healthy']}"
    )
    return lines


class StatusView:
    def __init__(self, stream: TextIO = sys.stdout, live: bool | None = None) -> None:
        self.stream = stream
        self.live = stream.isatty() if live is None else live

    def __call__(self, snapshot: dict[str, Any]) -> None:
        text = "\n".join(render_lines(snapshot))
        if self.live:
            self.stream.write(CLEAR + text + "\n")
        else:
            self.stream.write(text + "\n" + "-" * 100 + "\n")
        self.stream.flush()
