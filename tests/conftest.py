"""Shared ape fixtures: role-named accounts and factories for the core contracts.

Accounts are ape's test accounts (Anvil, via ape-foundry). Every test runs inside
ape's per-test snapshot, so deployments made in session fixtures are shared and
state changes made by a test are rolled back after it.
"""

from __future__ import annotations

from datetime import date

import pytest

from analytics import bond_math

USDC = 10**6  # stablecoin units per USDC
TOKEN = 10**18  # wei per bond token
DAY = 86_400
YEAR = 365 * DAY
JURISDICTION_IT = 380  # ISO 3166-1 numeric


@pytest.fixture(scope="session")
def admin(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def kyc(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def compliance(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def paying_agent(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def minter(accounts):
    """Stands in for the primary-market escrow (the only minter in production)."""
    return accounts[4]


@pytest.fixture(scope="session")
def issuer(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def alice(accounts):
    return accounts[6]


@pytest.fixture(scope="session")
def bob(accounts):
    return accounts[7]


@pytest.fixture(scope="session")
def carol(accounts):
    return accounts[8]


@pytest.fixture(scope="session")
def attacker(accounts):
    return accounts[9]


@pytest.fixture(scope="session")
def usdc(project, admin):
    return admin.deploy(project.MockUSDC)


@pytest.fixture(scope="session")
def whitelist(project, admin, kyc, compliance):
    wl = admin.deploy(project.Whitelist, admin)
    wl.grantRole(wl.KYC_OPERATOR_ROLE(), kyc, sender=admin)
    wl.grantRole(wl.COMPLIANCE_ROLE(), compliance, sender=admin)
    return wl


@pytest.fixture(scope="session")
def verify(whitelist, kyc, chain):
    """verify(*accounts, years=40): register accounts as KYC-verified investors."""

    def _verify(*accts, years: int = 40):
        expiry = chain.pending_timestamp + years * YEAR
        for a in accts:
            whitelist.register(a, expiry, JURISDICTION_IT, sender=kyc)

    return _verify


class BondTerms:
    """Terms of a test bond, with its schedule from analytics.bond_math."""

    def __init__(
        self,
        issue: date,
        maturity: date,
        frequency: int = 2,
        rate_bps: int = 500,
        denomination_units: int = 1_000 * USDC,
        basis: bond_math.DayCount = bond_math.DayCount.ACT_ACT,
        issue_volume_tokens: int = 1_000_000,
    ):
        self.issue = issue
        self.maturity = maturity
        self.frequency = frequency
        self.rate_bps = rate_bps
        self.denomination_units = denomination_units
        self.basis = basis
        self.issue_volume = issue_volume_tokens * TOKEN
        self.table = bond_math.coupon_table(
            issue, maturity, frequency, rate_bps, denomination_units, basis
        )

    @property
    def dates(self) -> list[int]:
        return [p.end_ts for p in self.table]

    @property
    def coupons(self) -> list[int]:
        return [p.coupon_units for p in self.table]


@pytest.fixture(scope="session")
def deploy_bond(project, admin, issuer, usdc, whitelist, minter, paying_agent, compliance):
    """deploy_bond(terms) -> BondToken with roles granted to the role-named accounts."""

    def _deploy(terms: BondTerms, name: str = "Bondline 5% 2031", symbol: str = "BL31"):
        bond = admin.deploy(
            project.BondToken,
            name,
            symbol,
            "XS0000000001",
            issuer,
            usdc,
            whitelist,
            terms.denomination_units,
            terms.issue_volume,
            terms.rate_bps,
            terms.frequency,
            bond_math.to_timestamp(terms.issue),
            int(terms.basis),
            terms.dates,
            terms.coupons,
            admin,
        )
        bond.grantRole(bond.MINTER_ROLE(), minter, sender=admin)
        bond.grantRole(bond.PAYING_AGENT_ROLE(), paying_agent, sender=admin)
        bond.grantRole(bond.PAUSER_ROLE(), compliance, sender=admin)
        return bond

    return _deploy


@pytest.fixture(scope="session")
def chain_start(chain):
    """Chain time when the session started (Anvil starts at wall-clock time)."""
    return chain.pending_timestamp


@pytest.fixture(scope="session")
def terms(chain_start):
    """A 5-year semi-annual 5% ACT/ACT bond issued on the chain's current date."""
    issue = bond_math.from_timestamp(chain_start)
    maturity = date(issue.year + 5, issue.month, min(issue.day, 28))
    return BondTerms(issue, maturity)


@pytest.fixture(scope="session")
def bond(deploy_bond, terms):
    return deploy_bond(terms)


@pytest.fixture(scope="session")
def funded_agent(usdc, admin, paying_agent, bond):
    """The paying agent holds plenty of USDC and has approved the bond."""
    usdc.mint(paying_agent, 10**9 * USDC, sender=admin)
    usdc.approve(bond, 2**256 - 1, sender=paying_agent)
    return paying_agent


def time_travel(chain, timestamp: int) -> None:
    """Mine one block at `timestamp` (chain time only moves forward)."""
    if timestamp > chain.pending_timestamp:
        chain.pending_timestamp = timestamp
    chain.mine()


@pytest.fixture
def fresh_account(accounts):
    """A never-used account with ETH, e.g. to deploy a contract that must revert.

    ape caches contract types by address, and snapshot reverts re-use deployment
    addresses (deployer nonces roll back), so a constructor revert sent from a
    busy deployer may be decoded against a previous test's contract. A new
    account deploys to an address nothing has ever lived at.
    """
    acct = accounts.generate_test_account()
    acct.balance = 10**21
    return acct
