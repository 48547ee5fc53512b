"""Run the whole test suite as independent ape sessions in two parallel lanes.

Why sessions, not one `ape test tests`: several test packages deploy shared contracts in
package/session-scoped fixtures (ape snapshots cannot undo state created outside a
test's own isolation), so packages that mint into or register on the same session-wide
contracts must not share a session. Each group below is one `ape test` session with its
own Anvil; two lanes run side by side (CI has 2 cores).

Usage: python tests/run_suite.py [extra pytest args...]   (./bondline test calls this)
Prints each session's output, then one closing line "N passed, M failed".
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# Measured session times on 2 cores (s): bond_token+whitelist 168, escrow 100, tsdcm 95,
# demo 100, keeper+integration (coupons, daemon, faults) ~120, integration (feeds and
# escrow/amm/conversion jobs) ~110, deploy 75, amm+price_feed 66, analytics+oracle 45,
# fork 35. The lanes are balanced on those.
INTEGRATION = "tests/integration/"
LANES: list[list[list[str]]] = [
    [
        ["tests/contracts/bond_token", "tests/contracts/whitelist"],
        [
            INTEGRATION + "test_prices.py",
            INTEGRATION + "test_macro.py",
            INTEGRATION + "test_escrow_job.py",
            INTEGRATION + "test_amm_job.py",
            INTEGRATION + "test_conversion_job.py",
        ],
        ["tests/deploy"],
        ["tests/analytics", "tests/oracle"],
        ["tests/fork"],
    ],
    [
        ["tests/demo"],
        ["tests/contracts/escrow"],
        ["tests/contracts/tsdcm"],
        [
            "tests/keeper",
            INTEGRATION + "test_coupons.py",
            INTEGRATION + "test_daemon.py",
            INTEGRATION + "test_faults.py",
        ],
        ["tests/contracts/amm", "tests/contracts/price_feed"],
    ],
]

SUMMARY = re.compile(r"(\d+) (passed|failed|error|errors|skipped)")


# ape-foundry gives Anvil 20 s to answer; a node that never came up (port taken by the
# other lane's node at the same instant, a starved machine) fails the session before any
# test ran. Only that case is retried, once, and said so: a test failure never is.
NODE_NOT_STARTED = "Timed out waiting for successful RPC connection"


def _run_group(paths: list[str], extra: list[str], log: Path) -> tuple[int, dict[str, int]]:
    cmd = ["ape", "test", *paths, "-q", *extra]
    started = time.monotonic()
    for attempt in (1, 2):
        with log.open("w") as out:
            rc = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT)
        text = log.read_text()
        last = (text.strip().splitlines() or [""])[-1]
        if rc == 0 or NODE_NOT_STARTED not in text or SUMMARY.search(last):
            break
        if attempt == 1:
            print(f"[suite] {' '.join(paths)}: Anvil did not start; retrying once", flush=True)
    counts: dict[str, int] = {}
    tail = [line for line in text.splitlines() if " in " in line and SUMMARY.search(line)]
    if tail:
        for n, kind in SUMMARY.findall(tail[-1]):
            kind = "errors" if kind.startswith("error") else kind
            counts[kind] = counts.get(kind, 0) + int(n)
    elapsed = time.monotonic() - started
    print(f"[suite] {' '.join(paths)}: exit {rc} in {elapsed:.0f} s {counts}", flush=True)
    return rc, counts


def _uncovered() -> list[str]:
    """Test files no lane runs (a new test file or package must be added to LANES)."""
    root = Path(__file__).resolve().parent.parent
    covered = {p for lane in LANES for group in lane for p in group}
    found = {str(f.relative_to(root)) for f in (root / "tests").rglob("test_*.py")}
    return sorted(
        f for f in found if not any(f == c or f.startswith(c.rstrip("/") + "/") for c in covered)
    )


def main() -> int:
    extra = sys.argv[1:]
    missing = _uncovered()
    if missing:
        print(f"[suite] error: test files not in any lane: {missing} (add them to LANES)")
        return 2
    results: list[tuple[list[str], int, dict[str, int], Path]] = []
    lock = threading.Lock()
    tmp = Path(tempfile.mkdtemp(prefix="bondline-tests-"))

    def lane(groups: list[list[str]], index: int) -> None:
        for j, paths in enumerate(groups):
            log = tmp / f"lane{index}-{j}.log"
            rc, counts = _run_group(paths, extra, log)
            with lock:
                results.append((paths, rc, counts, log))

    threads = [threading.Thread(target=lane, args=(g, i)) for i, g in enumerate(LANES)]
    for t in threads:
        t.start()
        time.sleep(2)  # the lanes' first Anvil nodes do not start in the same instant
    for t in threads:
        t.join()

    total: dict[str, int] = {}
    worst = 0
    for paths, rc, counts, log in results:
        print(f"\n===== ape test {' '.join(paths)} (exit {rc}) =====")
        print(log.read_text().rstrip())
        for k, v in counts.items():
            total[k] = total.get(k, 0) + v
        # pytest exit 5 = no tests collected in that group: treat as a failure here,
        # every group is expected to hold tests.
        worst = max(worst, rc)
        if not counts:
            worst = max(worst, 1)
    print()
    line = f"{total.get('passed', 0)} passed, {total.get('failed', 0)} failed"
    if total.get("skipped"):
        line += f", {total['skipped']} skipped"
    if total.get("errors"):
        worst = max(worst, 1)
        print(f"{total['errors']} errors")
    print(line)
    return worst


if __name__ == "__main__":
    sys.exit(main())
