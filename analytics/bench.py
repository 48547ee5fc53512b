"""Benchmark of the TSDCM Monte Carlo (``python -m analytics.bench``).

Measures, on this machine:

1. wall time of the paper's experiment -- 10,000 paths x 1,000 Euler steps (dt = 0.01,
   T = 10 years), baseline *and* conversion scenario on the same paths -- as the median of
   several runs (after one warm-up run);
2. peak memory of a 1,000,000-path run processed in chunks (and of a 10,000-path run for
   comparison), each in a fresh child process: the maximum resident set size
   (``ru_maxrss``) after the imports and after the run.

Results are printed as Markdown so they can be pasted into ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

from analytics.sovereign import helper_thread_pays_off
from analytics.tsdcm_mc import TsdcmRunConfig, run_tsdcm


def time_runs(n_paths: int, repeats: int, threaded: bool | None = None) -> list[float]:
    """Wall-clock seconds of ``repeats`` runs (baseline + one conversion scenario)."""
    cfg = TsdcmRunConfig(n_paths=n_paths, paths_per_chunk=min(n_paths, 10_000))
    run_tsdcm(cfg, sensitivity=False, threaded=threaded)  # warm-up: imports, page faults
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run_tsdcm(cfg, sensitivity=False, threaded=threaded)
        times.append(time.perf_counter() - start)
    return times


def naive_reference_seconds(n_paths: int = 10_000, n_steps: int = 1_000, dt: float = 0.01) -> float:
    """Wall time of a straightforward per-step NumPy loop for the *baseline scenario only*.

    Same model (eqs. 3.1-3.2, Table 1 defaults), written the obvious way: fresh random
    arrays every step, regime switches and jumps as per-step Bernoulli draws, coefficients
    gathered with fancy indexing.  It is here only as a yardstick for the optimised engine.
    """
    cfg = TsdcmRunConfig().model
    rng = np.random.default_rng(0)
    regimes = (cfg.growth_regime, cfg.crisis_regime)

    def coef(name: str) -> np.ndarray:
        return np.array([getattr(r, name) for r in regimes])

    a, b, sig = coef("debt_drift"), coef("debt_mean_reversion"), coef("debt_volatility")
    kap, mj, sj = coef("debt_jump_intensity"), coef("debt_jump_log_mean"), coef("debt_jump_log_std")
    c, d, eta = coef("growth_drift"), coef("growth_mean_reversion"), coef("growth_volatility")
    xi, mk, sk = (
        coef("growth_jump_intensity"),
        coef("growth_jump_log_mean"),
        coef("growth_jump_log_std"),
    )
    lam = np.array([cfg.crisis_entry_rate, cfg.crisis_exit_rate])
    rho = cfg.shock_correlation
    start = time.perf_counter()
    debt = np.full(n_paths, cfg.initial_debt_ratio)
    growth = np.full(n_paths, cfg.initial_growth)
    regime = np.zeros(n_paths, dtype=np.int64)
    peak = debt.copy()
    for _ in range(n_steps):
        z1 = rng.standard_normal(n_paths)
        z2 = rho * z1 + np.sqrt(1 - rho**2) * rng.standard_normal(n_paths)
        jump_d = np.where(
            rng.random(n_paths) < kap[regime] * dt,
            np.expm1(mj[regime] + sj[regime] * rng.standard_normal(n_paths)),
            0.0,
        )
        jump_g = np.where(
            rng.random(n_paths) < xi[regime] * dt,
            np.expm1(mk[regime] + sk[regime] * rng.standard_normal(n_paths)),
            0.0,
        )
        debt = (
            debt
            + (a[regime] - b[regime] * debt) * dt
            + sig[regime] * debt * np.sqrt(dt) * z1
            + jump_d * debt
        )
        growth = (
            growth
            + (c[regime] - d[regime] * growth) * dt
            + eta[regime] * growth * np.sqrt(dt) * z2
            + jump_g * growth
        )
        regime = np.where(rng.random(n_paths) < lam[regime] * dt, 1 - regime, regime)
        peak = np.maximum(peak, debt)
    return time.perf_counter() - start


def _child_memory(n_paths: int) -> None:
    """Run in a fresh process: print JSON with the wall time and max RSS of one run."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    start = time.perf_counter()
    result = run_tsdcm(TsdcmRunConfig(n_paths=n_paths), sensitivity=False)
    elapsed = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "n_paths": n_paths,
                "seconds": elapsed,
                "rss_before_mib": rss_before / 1024,
                "rss_after_mib": rss_after / 1024,
                "median_baseline": result.baseline_percentiles[50],
            }
        )
    )


def measure_memory(n_paths: int) -> dict[str, float]:
    """Wall time and peak memory of an ``n_paths`` run, from a fresh child process."""
    proc = subprocess.run(
        [sys.executable, "-m", "analytics.bench", "--child-memory", str(n_paths)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m analytics.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--repeats", type=int, default=7, help="timed runs (default 7)")
    parser.add_argument("--paths", type=int, default=10_000, help="paths per timed run")
    parser.add_argument(
        "--memory-paths", type=int, default=1_000_000, help="paths of the memory run"
    )
    parser.add_argument("--skip-memory", action="store_true", help="timing only")
    parser.add_argument("--child-memory", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_memory:
        _child_memory(args.child_memory)
        return 0

    load = os.getloadavg()
    auto = time_runs(args.paths, args.repeats)
    forced = time_runs(args.paths, max(3, args.repeats // 2), threaded=True)
    serial = time_runs(args.paths, max(3, args.repeats // 2), threaded=False)
    cpu_start = time.process_time()
    run_tsdcm(TsdcmRunConfig(n_paths=args.paths), sensitivity=False, threaded=False)
    cpu = time.process_time() - cpu_start
    naive = statistics.median(naive_reference_seconds(args.paths) for _ in range(3))
    print("## Analytics: TSDCM Monte Carlo\n")
    print(f"Command: `python -m analytics.bench --repeats {args.repeats}`\n")
    print(
        f"Machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, NumPy {np.__version__}; load average before "
        f"the run {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min); helper "
        f"thread chosen automatically: {'yes' if helper_thread_pays_off() else 'no'}\n"
    )
    print("| measurement | value |")
    print("| --- | --- |")
    print(
        f"| {args.paths:,} paths x 1,000 steps, baseline + conversion, median of "
        f"{len(auto)} | **{statistics.median(auto):.3f} s** (min {min(auto):.3f}, "
        f"max {max(auto):.3f}) |"
    )
    print(
        f"| same, sampling helper thread forced on, median of {len(forced)} | "
        f"{statistics.median(forced):.3f} s |"
    )
    print(
        f"| same, helper thread off, median of {len(serial)} | {statistics.median(serial):.3f} s |"
    )
    print(f"| same, CPU time of one run (helper thread off) | {cpu:.3f} s |")
    print(
        f"| yardstick: straightforward per-step NumPy loop, baseline scenario only, median "
        f"of 3 | {naive:.3f} s |"
    )
    if not args.skip_memory:
        sizes = sorted({min(args.memory_paths, 10_000), args.memory_paths})
        for n in sizes:
            mem = measure_memory(n)
            print(
                f"| {n:,} paths (chunks of 10,000), fresh process: wall time; max RSS "
                f"after imports -> after the run | {mem['seconds']:.1f} s; "
                f"{mem['rss_before_mib']:.0f} -> {mem['rss_after_mib']:.0f} MiB |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
