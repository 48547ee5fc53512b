"""Property test: redemption never pays more than funded and pays each holder pro rata."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import TOKEN, time_travel


@given(
    balances=st.lists(st.integers(1, 10**6 * TOKEN // 1000), min_size=1, max_size=3),
    fractions=st.lists(st.integers(1, 10_000), min_size=1, max_size=3),
)
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_redeem__any_funding_schedule__pro_rata_and_conserved(
    bond, minter, verify, funded_agent, usdc, chain, accounts, balances, fractions
):
    snap = chain.snapshot()
    try:
        holders = [accounts[5 + i] for i in range(len(balances))]
        verify(*holders)
        for who, amount in zip(holders, balances, strict=True):
            bond.mint(who, amount, sender=minter)
        time_travel(chain, bond.maturityDate())
        bond.roll(sender=funded_agent)
        due, _, supply = bond.redemption_state()
        funded = 0
        paid = dict.fromkeys(holders, 0)
        for bps in fractions:  # successive partial fundings (bps of what is still due)
            amount = max(1, (due - funded) * bps // 10_000)
            if funded + amount > due:
                break
            bond.fund_redemption(amount, sender=funded_agent)
            funded += amount
            for who, bal in zip(holders, balances, strict=True):
                # everyone burns everything at the first funding, then collects top-ups
                owed = min(bal * funded // supply, bal * bond.denomination() // TOKEN) - paid[who]
                if owed == 0:
                    continue
                burn = bond.balanceOf(who)
                got = bond.redeem(burn, sender=who).return_value
                assert got == owed
                paid[who] += got
        assert sum(paid.values()) <= funded
        assert usdc.balanceOf(bond) == funded - sum(paid.values())
        # floor per holder: at most one unit of dust per holder
        assert funded - sum(paid.values()) <= len(holders) or funded == due
    finally:
        chain.restore(snap)
