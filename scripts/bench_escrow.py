"""Gas benchmark for the primary-market Escrow and its OG NFT (issue 3).

Run:  ./bondline shell  then  ape run bench_escrow
(or:  source .venv/bin/activate && PATH=<anvil bin>:$PATH ape run bench_escrow)

Every figure is the mined transaction receipt's gasUsed, which includes the 21,000
intrinsic gas (what a wallet or Etherscan shows). It is NOT the execution-only gas that
`ape test --gas` reports from traces. Batch figures are also divided by the number of
investors served.
"""

from __future__ import annotations

from datetime import date

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand

from analytics import bond_math

TOKEN = 10**18
USDC = 10**6
DAY = 86_400
TICKET = 1_000 * USDC  # each benchmark investor commits 1,000 USDC
BATCH_SIZES = (1, 10, 50)


class Protocol:
    """USDC, Whitelist, a 5-year semi-annual bond (1,000 USDC per token), OG blueprint."""

    def __init__(self) -> None:
        self.admin = accounts.test_accounts[0]
        self.kyc = accounts.test_accounts[1]
        self.issuer = accounts.test_accounts[5]
        self.custodian = accounts.test_accounts[9]
        self.usdc = self.admin.deploy(project.MockUSDC)
        self.whitelist = self.admin.deploy(project.Whitelist, self.admin)
        self.whitelist.grantRole(self.whitelist.KYC_OPERATOR_ROLE(), self.kyc, sender=self.admin)
        issue = bond_math.from_timestamp(chain.pending_timestamp)
        maturity = date(issue.year + 5, issue.month, min(issue.day, 28))
        table = bond_math.coupon_table(
            issue, maturity, 2, 500, 1_000 * USDC, bond_math.DayCount.ACT_ACT
        )
        self.bond = self.admin.deploy(
            project.BondToken,
            "Bench 5% bond",
            "BENCH",
            "XS0000000042",
            self.issuer,
            self.usdc,
            self.whitelist,
            1_000 * USDC,
            10**9 * TOKEN,
            500,
            2,
            bond_math.to_timestamp(issue),
            int(bond_math.DayCount.ACT_ACT),
            [p.end_ts for p in table],
            [p.coupon_units for p in table],
            self.admin,
        )
        self.blueprint = self.admin.declare(project.OGNFT).contract_address
        # The custodian already holds USDC, as a real broker would (no fresh balance slot).
        self.usdc.mint(self.custodian, USDC, sender=self.admin)

    def investors(self, n: int) -> list:
        """`n` fresh KYC-verified investors holding USDC (they keep a balance throughout)."""
        fresh = [accounts.test_accounts.generate_test_account() for _ in range(n)]
        for account in fresh:
            account.balance = 10**20  # gas money (ETH wei)
            self.usdc.mint(account, 10**6 * USDC, sender=self.admin)
        expiry = chain.pending_timestamp + 50 * 365 * DAY
        for i in range(0, n, 100):
            chunk = fresh[i : i + 100]
            self.whitelist.register_batch(
                chunk, [expiry] * len(chunk), [380] * len(chunk), sender=self.kyc
            )
        return fresh

    def round(self, target: int, investors: list, min_raise: int = 0, activation_bps: int = 500):
        """A 90-day round (10% initial share) that may mint the bond; investors approved."""
        escrow = self.admin.deploy(
            project.Escrow,
            self.bond,
            self.usdc,
            self.custodian,
            self.issuer,
            target,
            1_000,
            activation_bps,
            100 * USDC,
            90 * DAY,
            min_raise,
            self.blueprint,
            "Bench OG",
            "BOG",
            "ipfs://bench-og/",
        )
        self.bond.grantRole(self.bond.MINTER_ROLE(), escrow, sender=self.admin)
        for who in investors:
            self.usdc.approve(escrow, 2**256 - 1, sender=who)
        return escrow


def _to_deadline(escrow) -> None:
    chain.pending_timestamp = escrow.DEADLINE()
    chain.mine()


def _single_operations(p: Protocol) -> dict[str, int]:
    """One round, typical (not first-ever) calls: a fourth investor commits after three."""
    out: dict[str, int] = {}
    a, b, c, d, e, f = p.investors(6)
    escrow = p.round(10 * TICKET, [a, b, c, d, e, f], min_raise=4 * TICKET)
    escrow.commit(TICKET, sender=a)  # the round's first commit (cold totals)
    escrow.commit(TICKET, sender=b)
    out["commit (new investor)"] = escrow.commit(TICKET, sender=c).gas_used
    out["commit (top-up, same investor)"] = escrow.commit(TICKET, sender=c).gas_used
    # Initial payments reach 5% of T = 500 USDC: 100 + 100 + 200 + 100 = 500.
    out["commit that activates the round"] = escrow.commit(TICKET, sender=d).gas_used
    out["fulfil (partial payment)"] = escrow.fulfil(400 * USDC, sender=a).gas_used
    out["fulfil (final payment, fulfils)"] = escrow.fulfil(500 * USDC, sender=a).gas_used
    for who in (b, c, d):
        escrow.fulfil(10 * TICKET, sender=who)
    escrow.commit(TICKET, sender=e)  # e never pays the rest: refunded after success
    escrow.commit(TICKET, sender=f)
    _to_deadline(escrow)
    out["settle (success: raised to the custodian)"] = escrow.settle(sender=e).gas_used
    escrow.claim(sender=a)  # first claim: first bond holder, first OG NFT
    out["claim (bonds + OG NFT)"] = escrow.claim(sender=b).gas_used
    escrow.withdraw(sender=f)
    out["withdraw (refund)"] = escrow.withdraw(sender=e).gas_used

    # Reference: the bond mint alone (a plain minter, new holder); the rest of a claim
    # is the OG NFT (snekmate's enumerable ERC-721) and the escrow's own bookkeeping.
    minter = accounts.test_accounts[4]
    p.bond.grantRole(p.bond.MINTER_ROLE(), minter, sender=p.admin)
    p.bond.mint(a, TOKEN, sender=minter)  # warm the bond's supply slot, as claims find it
    out["reference: BondToken.mint to a new holder"] = p.bond.mint(c, TOKEN, sender=minter).gas_used

    other = p.round(10 * TICKET, [a, b])
    escrow_commit = other.commit(TICKET, sender=a)
    assert escrow_commit.gas_used > 0
    out["cancel (issuer)"] = other.cancel("bench", sender=p.issuer).gas_used
    return out


def _batches(p: Protocol) -> dict[str, dict[int, int]]:
    """Receipt gasUsed of process_batch for 1, 10 and 50 investors, claims and refunds."""
    n = max(BATCH_SIZES)
    *people, warm_up = p.investors(n + 1)

    # Success: everyone pays in full, raised == T, settled. Every batch claims.
    success = p.round((n + 1) * TICKET, [*people, warm_up])
    for who in (*people, warm_up):
        success.commit(TICKET, sender=who)
    for who in (*people, warm_up):
        success.fulfil(TICKET, sender=who)
    success.settle(sender=p.custodian)
    success.claim(sender=warm_up)  # not the first-ever mint, as for most batch claims

    # Failure: everyone commits and pays only the initial share; never activated.
    failure = p.round(2 * (n + 1) * TICKET, [*people, warm_up], activation_bps=1_000)
    for who in (*people, warm_up):
        failure.commit(TICKET, sender=who)
    _to_deadline(failure)
    failure.withdraw(sender=warm_up)  # records FAILED once, as the first refund does

    out: dict[str, dict[int, int]] = {"claims": {}, "refunds": {}}
    for kind, escrow in (("claims", success), ("refunds", failure)):
        for size in BATCH_SIZES:
            snapshot = chain.snapshot()
            receipt = escrow.process_batch(people[:size], sender=p.custodian)
            assert receipt.return_value == (size, 0), receipt.return_value
            out[kind][size] = receipt.gas_used
            chain.restore(snapshot)
    return out


@click.command(cls=ConnectedProviderCommand)
def cli():
    """Print receipt gasUsed for Escrow operations and the batch helper."""
    protocol = Protocol()
    single = _single_operations(protocol)
    click.echo("measured single operations", err=True)
    batches = _batches(protocol)
    click.echo("measured batches", err=True)

    click.echo("| operation | gasUsed |")
    click.echo("|---|---:|")
    for key, gas in single.items():
        click.echo(f"| {key} | {gas:,} |")
    click.echo("")
    sizes = " | ".join(f"{s} investor{'s' if s > 1 else ''}" for s in BATCH_SIZES)
    click.echo(f"| process_batch | {sizes} |")
    click.echo("|---|" + "---:|" * len(BATCH_SIZES))
    for kind, label in (("claims", "claims (bonds + OG NFT)"), ("refunds", "refunds")):
        total = " | ".join(f"{batches[kind][s]:,}" for s in BATCH_SIZES)
        per = " | ".join(f"{batches[kind][s] // s:,}" for s in BATCH_SIZES)
        click.echo(f"| {label}: whole batch | {total} |")
        click.echo(f"| {label}: per investor | {per} |")
