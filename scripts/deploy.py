"""Deploy the whole protocol (one corporate and one sovereign bond) from one config file.

    ape run deploy --config config/deploy.local.yaml --out deployments/local.json
    ape run deploy --config FILE --out FILE --network ethereum:sepolia:node   # elsewhere

The library is ``deployment.deploy`` (reference: docs/deploy.md).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand

from deployment.config import DeployConfigError
from deployment.deploy import DeployError, DeployRefused, deploy_to_file


@click.command(cls=ConnectedProviderCommand, short_help="Deploy the protocol from a config file")
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Deployment config (YAML), e.g. config/deploy.local.yaml.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Deployment file to write (JSON; the keeper reads it), e.g. deployments/local.json.",
)
@click.option(
    "--redeploy",
    is_flag=True,
    help="Deploy anew even if --out describes a deployment that is live on this chain "
    "(or one for another chain), and replace the file.",
)
def cli(config_path: Path, out: Path, redeploy: bool):
    """Deploy Whitelist, MacroFeed, PriceFeedBatcher and, for one corporate and one
    sovereign bond, BondToken, Escrow + OG NFT, PriceFeed, SteadyAMM (and the sovereign's
    DebtConversion) on the connected network, grant every role, hand admin rights to the
    configured admin, and write the deployment file.

    Refuses (exit status 2) when --out already describes a deployment whose contracts
    still have code on this chain, or one for another chain id, unless --redeploy.
    Exit status 1: invalid config or a config that does not fit this chain.
    """
    started = time.monotonic()
    try:
        deploy_to_file(config_path, out, redeploy=redeploy, log=click.echo)
    except DeployRefused as exc:
        click.echo(f"refused: {exc}", err=True)
        sys.exit(2)
    except (DeployConfigError, DeployError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"deployment took {time.monotonic() - started:.1f} s")
