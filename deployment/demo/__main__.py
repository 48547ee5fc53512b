"""``python -m deployment.demo`` (what ``./bondline demo`` runs)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from deployment.demo.runner import DEFAULT_CONFIG, DemoOptions, DemoRun
from deployment.demo.view import StatusView

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.command(context_settings=CONTEXT)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("demo-out"), show_default=True,
              help="Where the deployment file, configs, keeper log, summary, plots and the "
              "chain state go (files of a previous run are replaced).")  # fmt: skip
@click.option("--config", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=DEFAULT_CONFIG, show_default=True,
              help="Deployment config (the same file `ape run deploy` reads).")  # fmt: skip
@click.option("--seed", type=int, default=7, show_default=True,
              help="Seed of the simulated market (prices, trades).")  # fmt: skip
@click.option("--investors", type=click.IntRange(2, 50), default=8, show_default=True)
@click.option("--live/--no-live", default=None,
              help="Redraw the status view in place (default: on a terminal).")  # fmt: skip
@click.option("--headless", is_flag=True, help="No status view; print only the summary JSON.")
def main(out_dir: Path, config: Path, seed: int, investors: int, live: bool | None,
         headless: bool) -> None:  # fmt: skip
    """Run the bondline protocol end to end on a local chain.

    Starts Anvil at a fixed date (2027-01-04), deploys one corporate and one sovereign
    bond, onboards investors through both escrow rounds, and starts the REAL keeper daemon
    (`keeper run`) against a local custodian price API and the simulated sovereign macro
    source. Chain time then jumps from event to event (escrow deadline, coupon dates,
    year ends, quarterly markets) while the keeper settles the rounds, pushes prices and
    macro data, funds coupons, collects the pools' coupons, fires the TSDCM conversion and
    funds the redemptions; simulated users seed the AMMs, trade, claim and redeem.

    \b
    Output (in --out):
      summary.json     what happened, read back from the chain
      demo.png         prices and AMM band, macro data vs thresholds, coupons
      deployment.json  addresses (the keeper reads it), keeper.yaml, oracle.yaml
      keeper.log       the keeper's structured log
      chain-state.json the chain: anvil --load-state demo-out/chain-state.json
    """
    from ape.logging import logger as ape_logger

    ape_logger.set_level("ERROR")
    logging.getLogger("oracle").setLevel(logging.ERROR)
    options = DemoOptions(out_dir=out_dir.resolve(), config=config.resolve(), seed=seed,
                          investors=investors, quiet=headless)  # fmt: skip
    view = StatusView(live=live)
    try:
        summary = DemoRun(options, view).run()
    except (RuntimeError, OSError) as exc:
        click.echo(f"demo failed: {exc}", err=True)
        sys.exit(1)
    if headless:
        click.echo(json.dumps(summary, indent=2))
        return
    _print_summary(summary, options.out_dir)


def _print_summary(summary: dict, out: Path) -> None:
    click.echo("")
    click.echo(f"bondline demo finished in {summary['wall_seconds']:.0f} s (wall)")
    for name, b in summary["bonds"].items():
        click.echo(
            f"  {name:9} raised {b['raised_units'] / 1e6:,.0f} USDC ({b['round_phase']}), "
            f"{b['price_updates']} price updates, {b['trades']} trades, coupons funded "
            f"{b['coupons_funded_units'] / 1e6:,.2f} / claimed "
            f"{b['coupons_claimed_units'] / 1e6:,.2f} USDC, redemption paid "
            f"{b['redemption_paid_units'] / 1e6:,.2f} USDC"
        )
    conv = summary["conversion"]
    if conv.get("converted"):
        click.echo(f"  TSDCM     converted on {conv['date']}: {conv['retired']:,.2f} bonds retired")
    else:
        click.echo(f"  TSDCM     not converted ({conv.get('reason')})")
    click.echo(f"  keeper    {summary['keeper']['txs']} transactions mined")
    click.echo("")
    click.echo(f"summary {out / 'summary.json'}, plots {out / 'demo.png'}")
    click.echo(f"keeper log {out / 'keeper.log'}")
    click.echo("inspect the final chain:")
    click.echo(f"  anvil --load-state {out / 'chain-state.json'} --port 8545 &")
    click.echo("  ape console --network http://127.0.0.1:8545")
    click.echo(f"  (addresses in {out / 'deployment.json'})")


if __name__ == "__main__":
    main()
