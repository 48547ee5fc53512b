"""``oracle``: the oracle maintainer's command line. Nothing here ever touches a chain."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NoReturn

import click

from oracle.config import MacroFeedConfig, OracleConfig, load_config
from oracle.errors import ConfigError
from oracle.models import FeedResult, LastAccepted, utc_now
from oracle.pipeline import run_feeds

EXIT_OK = 0
EXIT_NOTHING_TO_PUSH = 1
EXIT_CONFIG = 2

CONFIG_HELP = "The oracle YAML config (template: config/oracle.example.yaml)."


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option("-v", "--verbose", is_flag=True, help="Also log every step to stderr.")
def cli(verbose: bool) -> None:
    """Fetch, check and aggregate the data the bondline oracle publishes on-chain.

    Bond prices come from the custodian's price API (or files); sovereign debt-to-GDP
    and real GDP growth come from the IMF DataMapper, the World Bank API, files, or the
    simulated TSDCM model. Every value is checked (type, range, staleness, jumps,
    agreement between sources) and the median of the agreeing sources is what a keeper
    would push. Nothing here sends a transaction: the keeper does that.

    \b
    Start with:
      oracle check-config --config config/oracle.example.yaml
      oracle fetch --config config/oracle.example.yaml
    The config format is documented in docs/oracle-config.md.
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.CRITICAL,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@cli.command()
@click.option(
    "-c",
    "--config",
    "config_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help=CONFIG_HELP,
)
@click.option(
    "-f",
    "--feed",
    "feeds",
    multiple=True,
    metavar="NAME",
    help="Only this feed (repeat for several). Default: every feed in the config.",
)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON instead.")
@click.option(
    "--last-accepted",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help='JSON file {"FEED": {"value": "98.7", "period": "...", "as_of": "ISO time"}} with '
    "the values currently on-chain, to apply the deviation limit as the keeper would.",
)
@click.option(
    "--as-of",
    "as_of",
    metavar="ISO_TIME",
    help="Judge staleness as of this UTC time instead of now (e.g. 2025-07-01T12:00:00Z).",
)
@click.option(
    "--workers",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Feeds fetched in parallel.",
)
def fetch(
    config_path: Path,
    feeds: Sequence[str],
    as_json: bool,
    last_accepted: Path | None,
    as_of: str | None,
    workers: int,
) -> None:
    """Fetch every source, validate, aggregate, and print what would be pushed.

    For each feed: the value a keeper would push (median of the agreeing sources, in the
    feed's unit, with its period), each source's observation, and every rejection with
    its reason (http_error, timeout, html_body, schema_drift, null_value, wrong_country,
    out_of_range, stale, deviation_limit, spread_too_wide, no_quorum, ...).
    Dry run: nothing is sent anywhere.

    Exit status: 0 every feed has a value to push, 1 at least one has not,
    2 the config or an option is invalid.
    """
    config = _load(config_path)
    unknown = [name for name in feeds if name not in {feed.name for feed in config.feeds}]
    if unknown:
        known = ", ".join(feed.name for feed in config.feeds)
        _fail(f"unknown feed {', '.join(map(repr, unknown))}; feeds in {config_path}: {known}")
    reference = _parse_time(as_of, "--as-of") if as_of else utc_now()
    previous = _load_last_accepted(last_accepted) if last_accepted else {}
    results = run_feeds(
        config,
        list(feeds) or None,
        last_accepted=previous,
        now=reference,
        max_workers=workers,
    )
    if as_json:
        document = {
            "dry_run": True,
            "config": str(config_path),
            "as_of": reference.isoformat().replace("+00:00", "Z"),
            "feeds": [result.to_dict() for result in results],
        }
        click.echo(json.dumps(document, indent=2))
    else:
        _print_results(config, config_path, reference, results)
    if not all(result.ok for result in results):
        sys.exit(EXIT_NOTHING_TO_PUSH)


@cli.command("check-config")
@click.option(
    "-c",
    "--config",
    "config_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help=CONFIG_HELP,
)
def check_config(config_path: Path) -> None:
    """Validate the config file without fetching anything.

    Prints each problem with the key it concerns and the fix, or a summary of the
    sources and feeds. Warns about auth environment variables that are not set.
    Exit status: 0 valid, 2 invalid.
    """
    config = _load(config_path)
    click.echo(f"{config_path}: valid ({len(config.sources)} sources, {len(config.feeds)} feeds)")
    for name, source in config.sources.items():
        click.echo(f"  source {name}: {source.type}")
    for feed in config.feeds:
        click.echo(f"  feed {_feed_title(feed)} <- {', '.join(feed.sources)}")
    for source_name, env in config.missing_credentials():
        click.echo(
            f"warning: source {source_name!r} reads its credential from ${env}, which is not "
            "set in this environment",
            err=True,
        )


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point (``oracle``) and ``python -m oracle``."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="oracle")


# ---------------------------------------------------------------------- helpers
def _load(path: Path) -> OracleConfig:
    try:
        return load_config(path)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_CONFIG)


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_CONFIG)


def _parse_time(text: str, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        _fail(f"{what} {text!r} is not an ISO 8601 time (e.g. 2025-07-01T12:00:00Z)")
    if moment.tzinfo is None:
        _fail(f"{what} {text!r} needs a UTC offset (e.g. 2025-07-01T12:00:00Z)")
    return moment.astimezone(UTC)


def _load_last_accepted(path: Path) -> dict[str, LastAccepted]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        _fail(f"--last-accepted {path}: cannot read JSON ({exc})")
    if not isinstance(document, dict):
        _fail(f"--last-accepted {path}: expected an object keyed by feed name")
    result: dict[str, LastAccepted] = {}
    for feed, entry in document.items():
        where = f"--last-accepted {path}: {feed}"
        if not isinstance(entry, dict) or not {"value", "period", "as_of"} <= set(entry):
            _fail(f"{where}: expected {{'value', 'period', 'as_of'}}")
        try:
            value = Decimal(str(entry["value"]))
        except InvalidOperation:
            _fail(f"{where}: value {entry['value']!r} is not a number")
        result[feed] = LastAccepted(
            value=value,
            period=str(entry["period"]),
            as_of=_parse_time(str(entry["as_of"]), f"{where}.as_of"),
        )
    return result


def _feed_title(feed: Any) -> str:
    if isinstance(feed, MacroFeedConfig):
        return f"{feed.name} (macro: {feed.country} {feed.series.value})"
    return f"{feed.name} (price: ISIN {feed.isin})"


def _short_hash(sha: str | None) -> str:
    return f"sha256 {sha[:12]}" if sha else ""


def _print_results(
    config: OracleConfig, path: Path, reference: datetime, results: list[FeedResult]
) -> None:
    echo = click.echo
    echo("Oracle dry run: nothing is sent to any chain.")
    echo(f"config {path}, staleness judged as of {reference.isoformat().replace('+00:00', 'Z')}")
    for result in results:
        feed = config.feed(result.feed)
        echo("")
        echo(click.style(_feed_title(feed), bold=True))
        accepted = result.accepted
        if accepted is not None:
            count = len(accepted.observations)
            echo(
                click.style("  PUSH    ", fg="green")
                + f"{accepted.value} {accepted.unit.value}  period {accepted.period}  "
                f"(median of {count} source{'s' if count != 1 else ''}: "
                f"{', '.join(accepted.sources)}; spread {accepted.spread})"
            )
        else:
            echo(click.style("  NOTHING TO PUSH", fg="red"))
        rejected = {id(r.observation) for r in result.rejections if r.observation is not None}
        for obs in result.observations:
            if id(obs) in rejected:
                continue
            echo(
                f"  ok      {obs.source}: {obs.value} {obs.unit.value}  period {obs.period}  "
                f"{_short_hash(obs.payload_sha256)}"
            )
        for rejection in result.rejections:
            who = rejection.source or "(feed)"
            echo(
                click.style("  REJECT  ", fg="yellow")
                + f"{who}: {rejection.reason.value}: {rejection.message}"
            )
    pushable = sum(result.ok for result in results)
    rejections = sum(len(result.rejections) for result in results)
    echo("")
    echo(
        f"{pushable} of {len(results)} feed{'s' if len(results) != 1 else ''} would be pushed; "
        f"{rejections} rejection{'s' if rejections != 1 else ''}."
    )
