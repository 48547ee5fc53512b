"""BondToken read-only views: principal, claimable, records, redemption positions."""

from tests.conftest import TOKEN, USDC, time_travel


def test_principal_of__face_value_in_stablecoin(bond, minter, alice):
    bond.mint(alice, 3 * TOKEN // 2, sender=minter)
    assert bond.principalOf(alice) == 1_500 * USDC


def test_claimable_coupons__range_beyond_recorded__zero_not_revert(bond, minter, alice):
    bond.mint(alice, TOKEN, sender=minter)
    assert bond.claimable_coupons(alice, 1, 10) == 0
    assert bond.claimable_coupons(alice, 5, 3) == 0
    assert bond.claimable_coupons(alice, 0, 3) == 0


def test_claimable_coupons__matches_claim(bond, minter, alice, verify, funded_agent, chain):
    verify(alice)
    bond.mint(alice, 7 * TOKEN, sender=minter)
    time_travel(chain, bond.coupon_period(3)[0])
    bond.roll(sender=funded_agent)
    bond.fund_coupon(1, bond.coupon_record(1)[1], sender=funded_agent)
    bond.fund_coupon(3, bond.coupon_record(3)[1] // 3, sender=funded_agent)
    owed = bond.claimable_coupons(alice, 1, 10)
    assert owed > 0
    assert bond.claim_coupons(1, 3, sender=alice).return_value == owed
    assert bond.claimable_coupons(alice, 1, 10) == 0


def test_due_periods__follows_chain_time_before_roll(bond, chain):
    assert bond.due_periods() == 0
    time_travel(chain, bond.coupon_period(2)[0] - 1)
    assert bond.due_periods() == 1
    time_travel(chain, bond.coupon_period(2)[0])
    assert bond.due_periods() == 2
    assert bond.recorded_periods() == 0  # nothing rolled yet
    time_travel(chain, bond.maturityDate() + 1)
    assert bond.due_periods() == bond.periodCount()


def test_shares_at_record__unknown_period__reverts(bond, alice):
    import ape

    with ape.reverts("bond: no such period"):
        bond.shares_at_record(alice, 0)
    with ape.reverts("bond: no such period"):
        bond.shares_at_record(alice, bond.periodCount() + 1)


def test_redemption_of__tracks_burned_and_paid(bond, minter, alice, verify, funded_agent, chain):
    verify(alice)
    bond.mint(alice, 2 * TOKEN, sender=minter)
    time_travel(chain, bond.maturityDate())
    bond.roll(sender=funded_agent)
    assert bond.redemption_of(alice) == (0, 0)
    bond.fund_redemption(bond.redemption_state()[0], sender=funded_agent)
    bond.redeem(TOKEN, sender=alice)
    assert bond.redemption_of(alice) == (TOKEN, 1_000 * USDC)
