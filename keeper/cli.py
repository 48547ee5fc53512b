"""``keeper``: the node operator's command line.

Exit status: 0 fine; 1 a job failed (``once``); 2 invalid config; 3 unsafe state (wrong
chain, missing role: the circuit breaker); 4 cannot connect or load the signer.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from keeper.exceptions import (
    ChainError,
    ConfigError,
    ConfigIssue,
    JobNotAvailable,
    SignerError,
    UnsafeStateError,
)
from keeper.settings import KeeperSettings, load_settings

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

config_option = click.option(
    "--config",
    "-c",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The keeper YAML file (start from config/keeper.example.yaml).",
)
network_option = click.option(
    "--network",
    default=None,
    metavar="CHOICE",
    help="Override chain.network: an ape network choice (ethereum:local:foundry) or an RPC URL.",
)
dry_run_option = click.option(
    "--dry-run",
    is_flag=True,
    help="Simulate every transaction (eth_call) and log what would be sent; send nothing.",
)


def _load(path: Path) -> KeeperSettings:
    try:
        return load_settings(path)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


def _setup_logging(settings: KeeperSettings, json_logs: bool | None = None) -> None:
    from keeper import logs

    logs.configure(
        settings.logging.level,
        settings.logging.json_format if json_logs is None else json_logs,
    )


def _unavailable(settings: KeeperSettings) -> list[str]:
    from keeper.jobs import MODULES

    return [
        name for name in settings.enabled_jobs() if not getattr(MODULES[name], "AVAILABLE", False)
    ]


def _fail(code: int, message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings=CONTEXT)
def main() -> None:
    """bondline keeper: drives the protocol on schedule.

    For every configured bond it rolls coupon record dates and funds coupons and the
    redemption from the paying agent when CHAIN time says they are due (partial funding,
    with an alert, when the agent is short); it pushes custodian prices to PriceFeeds
    (deviation threshold + heartbeat) and macro statistics to the MacroFeed (new periods
    and revisions), values from the oracle package. Jobs are level-triggered: they compare
    what the chain says is due with what is done, so restarts, missed runs and downtime
    are caught up and nothing is done twice.

    \b
    Start here:
      keeper check-config config/keeper.example.yaml   validate the file, touch nothing
      keeper status  --config FILE                     what is due, balances, pending txs
      keeper once    --config FILE --dry-run           one pass, simulate only
      keeper once    --config FILE                     one pass (for cron)
      keeper run     --config FILE                     the daemon (SIGTERM stops it cleanly)

    The signer is an ape account: `ape accounts import keeper`, then `signer.alias: keeper`
    and `signer.passphrase_env: KEEPER_PASSPHRASE` in the config. Reference: docs/keeper.md.
    """


@main.command("check-config", context_settings=CONTEXT)
@click.argument("config_file", type=click.Path(dir_okay=False, path_type=Path))
def check_config(config_file: Path) -> None:
    """Validate CONFIG_FILE without connecting to anything.

    Every problem is listed with the key it concerns and the fix. Exit status 2 when
    the file is invalid.
    """
    settings = _load(config_file)
    missing = _unavailable(settings)
    if missing:
        _fail(
            2,
            f"{config_file}: jobs {', '.join(missing)} are not available in this release "
            "(their contracts have not shipped); remove them from `jobs:`",
        )
    signer = (
        f"ape account {settings.signer.alias!r} (passphrase from ${settings.signer.passphrase_env})"
        if settings.signer.alias
        else f"ape test account #{settings.signer.test_account}"
    )
    click.echo(f"{config_file}: OK")
    click.echo(f"  network:  {settings.chain.network}")
    click.echo(f"  signer:   {signer}")
    click.echo(f"  data dir: {settings.data_dir}")
    if settings.oracle_config is not None:
        click.echo(f"  oracle:   {settings.oracle_config}")
    try:
        _check_jobs(settings)
    except ConfigError as exc:
        _fail(2, str(exc))
    for name in settings.enabled_jobs():
        job = getattr(settings.jobs, name)
        click.echo(f"  job {name}: every {job.interval_s:g} s")
        if name == "coupons":
            for bond in job.bonds:
                click.echo(f"    bond {bond.name} at {bond.address}")
        elif name == "prices":
            if job.batcher:
                click.echo(f"    batcher {job.batcher} (several due feeds in one transaction)")
            for feed in job.feeds:
                click.echo(
                    f"    feed {feed.name} at {feed.address}: oracle feed {feed.feed}, "
                    f"heartbeat {feed.heartbeat_s} s, deviation {feed.deviation_bps} bps"
                )
        elif name == "macro":
            for sovereign in job.sovereigns:
                click.echo(
                    f"    sovereign {sovereign.name} ({sovereign.country}) at "
                    f"{sovereign.address}: oracle feeds {sovereign.debt_feed}, "
                    f"{sovereign.growth_feed}"
                )


def _check_jobs(settings: KeeperSettings) -> None:
    """The parts of the jobs' set-up that need no chain: the oracle config loads and names
    the feeds the prices and macro jobs use, with the right kind, series and country."""
    from keeper.jobs.feeds import load_oracle, oracle_feed

    enabled = settings.enabled_jobs()
    if "prices" not in enabled and "macro" not in enabled:
        return
    oracle = load_oracle(settings.oracle_config, "prices" if "prices" in enabled else "macro")
    if "prices" in enabled and settings.jobs.prices is not None:
        for i, feed in enumerate(settings.jobs.prices.feeds):
            oracle_feed(oracle, feed.feed, f"jobs.prices.feeds[{i}].feed ({feed.name})", "price")
    if "macro" in enabled and settings.jobs.macro is not None:
        for i, sovereign in enumerate(settings.jobs.macro.sovereigns):
            for key, series in (("debt_feed", "debt_to_gdp"), ("growth_feed", "gdp_growth")):
                where = f"jobs.macro.sovereigns[{i}].{key} ({sovereign.name})"
                feed = oracle_feed(oracle, getattr(sovereign, key), where, "macro")
                if getattr(feed, "series", None) != series or feed.country != sovereign.country:
                    raise ConfigError(
                        str(settings.oracle_config),
                        [
                            ConfigIssue(
                                where,
                                f"oracle feed {feed.name!r} is {feed.country} "
                                f"{getattr(feed, 'series', '?')}, not {sovereign.country} "
                                f"{series}",
                                f"name the {sovereign.country} {series} feed",
                            )
                        ],
                    )


def _connect(settings: KeeperSettings, network: str | None) -> Any:
    from keeper.chain import connect

    try:
        return connect(settings, network=network)
    except (ChainError, SignerError) as exc:
        _fail(4, str(exc))


def _build_keeper(settings: KeeperSettings, chain: Any, dry_run: bool) -> Any:
    from keeper.scheduler import Keeper

    try:
        return Keeper(settings, chain, dry_run=dry_run)
    except (JobNotAvailable, ConfigError) as exc:
        _fail(2, str(exc))


@main.command(context_settings=CONTEXT)
@config_option
@network_option
@dry_run_option
def run(config_path: Path, network: str | None, dry_run: bool) -> None:
    """Run the daemon: every job at its interval until SIGTERM or Ctrl-C.

    On SIGTERM no new transaction is sent; transactions already sent stay recorded
    under data_dir and the next start resumes them. Metrics and /health are served on
    127.0.0.1 (health.port).
    """
    settings = _load(config_path)
    _setup_logging(settings)
    try:
        with _connect(settings, network) as chain:
            keeper = _build_keeper(settings, chain, dry_run)
            try:
                code = keeper.run_forever()
            finally:
                keeper.close()
    except UnsafeStateError as exc:
        _fail(3, str(exc))
    except (ChainError, SignerError) as exc:
        _fail(4, str(exc))
    sys.exit(code)


@main.command(context_settings=CONTEXT)
@config_option
@network_option
@dry_run_option
def once(config_path: Path, network: str | None, dry_run: bool) -> None:
    """One reconcile pass of every job, then exit (for cron or systemd timers).

    Prints one JSON line per job (actions sent, actions skipped because they would
    revert, alerts). Exit status 1 if a job failed.
    """
    settings = _load(config_path)
    _setup_logging(settings)
    try:
        with _connect(settings, network) as chain:
            keeper = _build_keeper(settings, chain, dry_run)
            try:
                reports = keeper.run_once()
                failed = sorted(keeper.last_error)
            finally:
                keeper.close()
    except UnsafeStateError as exc:
        _fail(3, str(exc))
    except (ChainError, SignerError) as exc:
        _fail(4, str(exc))
    for report in reports:
        click.echo(json.dumps(report.to_dict()))
    if failed:
        _fail(1, f"jobs failed: {', '.join(failed)} (see the log)")


@main.command(context_settings=CONTEXT)
@config_option
@network_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def status(config_path: Path, network: str | None, as_json: bool) -> None:
    """Show what is due and what is done: chain time, per bond the periods due,
    recorded and unfunded, the redemption, the agent's balance and allowance; per price
    feed the on-chain answer, updatedAt, age, heartbeat and deviation; per sovereign the
    latest macro values; and the transactions still pending in data_dir. Sends nothing."""
    settings = _load(config_path)
    _setup_logging(settings, json_logs=False)
    try:
        with _connect(settings, network) as chain:
            keeper = _build_keeper(settings, chain, dry_run=True)
            try:
                doc: dict[str, Any] = {
                    "chain_id": chain.chain_id,
                    "chain_time": chain.timestamp(),
                    "signer": chain.address,
                    "signer_balance_wei": chain.balance(),
                    "pending_txs": [
                        {"key": r.key, "nonce": r.nonce, "hashes": r.hashes}
                        for r in keeper.tx.pending()
                    ],
                    "jobs": {},
                }
                for name, job in keeper.jobs.items():
                    try:
                        job.setup()
                        doc["jobs"][name] = job.status()
                    except UnsafeStateError as exc:
                        doc["jobs"][name] = {"error": str(exc)}
            finally:
                keeper.close()
    except (ChainError, SignerError) as exc:
        _fail(4, str(exc))
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    when = datetime.fromtimestamp(doc["chain_time"], UTC).isoformat()
    click.echo(f"chain {doc['chain_id']}  chain time {doc['chain_time']} ({when})")
    click.echo(f"signer {doc['signer']}  balance {doc['signer_balance_wei'] / 1e18:.6f} ETH")
    click.echo(f"pending transactions: {len(doc['pending_txs'])}")
    for tx in doc["pending_txs"]:
        click.echo(f"  {tx['key']} nonce {tx['nonce']} {tx['hashes'][-1]}")
    for name, rows in doc["jobs"].items():
        click.echo(f"job {name}:")
        if isinstance(rows, dict):
            click.echo(f"  error: {rows['error']}")
            continue
        printer = _STATUS_PRINTERS.get(name, _print_generic_row)
        for row in rows:
            printer(row)


def _print_coupons_row(row: dict[str, Any]) -> None:
    click.echo(
        f"  {row['bond']} {row['address']}: due {row['due_periods']}/{row['periods']} "
        f"periods, recorded {row['recorded_periods']}"
        + ("  (roll needed)" if row["roll_needed"] else "")
    )
    if row["next_coupon_date"]:
        click.echo(f"    next coupon date {row['next_coupon_date']}")
    for item in row["unfunded_coupons"]:
        click.echo(f"    coupon {item['period']}: funded {item['funded']} of {item['due']}")
    red = row["redemption"]
    if red["due"]:
        click.echo(f"    redemption: funded {red['funded']} of {red['due']}")
    click.echo(f"    agent balance {row['agent_balance']}, allowance {row['agent_allowance']}")


def _print_prices_row(row: dict[str, Any]) -> None:
    if row["round_id"]:
        price = f"{row['price_percent_of_par']} % of par (answer {row['answer']})"
        updated = f"updatedAt {row['updated_at']}, age {row['age_s']} s"
    else:
        price, updated = "no round yet", "never updated"
    overdue = "  (heartbeat overdue)" if row["heartbeat_overdue"] else ""
    click.echo(f"  {row['feed']} {row['address']} (oracle feed {row['oracle_feed']}):")
    click.echo(f"    {price}; {updated}{overdue}")
    click.echo(
        f"    heartbeat {row['heartbeat_s']} s, deviation {row['deviation_bps']} bps "
        f"(large moves above {row['feed_max_deviation_bps']} bps need a second reporter)"
    )
    if row["pending_move"]:
        move = row["pending_move"]
        click.echo(
            f"    large move pending confirmation: {move['answer']} observed at "
            f"{move['observed_at']} by {move['proposer']}"
        )


def _print_macro_row(row: dict[str, Any]) -> None:
    frequency = {1: "annual", 4: "quarterly"}.get(row["frequency"], str(row["frequency"]))
    click.echo(f"  {row['sovereign']} {row['country']} at {row['address']} ({frequency}):")
    for series in ("debt_to_gdp", "gdp_growth"):
        item = row[series]
        if item is None:
            click.echo(f"    {series}: nothing reported")
            continue
        click.echo(
            f"    {series}: period {item['period']} = {item['value_bps']} bps "
            f"(version {item['version']}), published {item['published_at']}, "
            f"age {item['age_s']} s"
        )


def _print_generic_row(row: dict[str, Any]) -> None:
    head, *rest = list(row.items()) or [("", "")]
    click.echo(f"  {head[0]} {head[1]}:")
    for key, value in rest:
        click.echo(f"    {key}: {json.dumps(value)}")


_STATUS_PRINTERS = {
    "coupons": _print_coupons_row,
    "prices": _print_prices_row,
    "macro": _print_macro_row,
}


if __name__ == "__main__":  # pragma: no cover
    main()
