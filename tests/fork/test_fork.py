"""The deployed protocol read and exercised through an Anvil fork; upstream never moves."""

from __future__ import annotations

from tests.fork.conftest import BOB, MAX_UINT, PAR, TOKEN

BONDS = ("corporate", "sovereign")


def _snapshot(chain, block) -> dict[str, object]:
    """State worth comparing between upstream and the fork, read at ``block``."""
    out: dict[str, object] = {}
    for b in BONDS:
        bond, amm, feed = chain.c(f"{b}.bond"), chain.c(f"{b}.amm"), chain.c(f"{b}.price_feed")
        escrow = chain.c(f"{b}.escrow")
        out[f"{b}.supply"] = bond.functions.totalSupply().call(block_identifier=block)
        out[f"{b}.recorded"] = bond.functions.recorded_periods().call(block_identifier=block)
        out[f"{b}.coupon1"] = bond.functions.coupon_record(1).call(block_identifier=block)
        out[f"{b}.reserves"] = amm.functions.reserves().call(block_identifier=block)
        out[f"{b}.round"] = feed.functions.latestRoundData().call(block_identifier=block)
        out[f"{b}.escrow"] = escrow.functions.totals().call(block_identifier=block)
    return out


def test_fork_serves_the_deployed_code_and_state_at_the_fork_block(upstream, fork):
    block = upstream.fork_block
    assert fork.w3.eth.chain_id == upstream.chain.w3.eth.chain_id
    assert fork.w3.eth.block_number >= block
    for key, address in fork.deployment.contracts.items():
        code = fork.w3.eth.get_code(address)
        assert code, f"{key} has no code on the fork"
        assert code == upstream.chain.w3.eth.get_code(address, block_identifier=block), key
    assert _snapshot(fork, block) == _snapshot(upstream.chain, block)


def test_history_is_visible_through_the_fork(fork, local_history):
    bond = fork.c("corporate.bond")
    assert bond.functions.totalSupply().call() == local_history["supply"] > 0
    _, due, funded = bond.functions.coupon_record(1).call()
    assert due == funded == local_history["coupon_1_due"] > 0
    for holder in local_history["holders"]:
        assert bond.functions.balanceOf(holder).call() > 0
        assert fork.c("corporate.og_nft").functions.balanceOf(holder).call() == 1
    x, _, _ = fork.c("corporate.amm").functions.reserves().call()
    assert x > 0  # the pool holds bonds after alice's liquidity and bob's buy
    sov = fork.deployment.details["sovereign"]["country"].encode()
    macro = fork.c("macro_feed")
    assert macro.functions.latest_round(sov, 1).call() > 0
    assert macro.functions.latest_round(sov, 2).call() > 0


def test_a_price_push_on_the_fork_leaves_upstream_unchanged(upstream, fork):
    """Works on any network: the keeper (impersonated on the fork) reports a price."""
    before = _snapshot(upstream.chain, "latest")
    head = upstream.chain.w3.eth.block_number
    feed = fork.c("corporate.price_feed")
    round_before = feed.functions.latestRoundData().call()[0]
    fork.travel(fork.now() + 60)
    fork.send(feed.functions.submit(PAR, fork.now()), fork.deployment.accounts["keeper"])
    assert feed.functions.latestRoundData().call()[0] == round_before + 1
    assert upstream.chain.w3.eth.block_number == head
    assert _snapshot(upstream.chain, "latest") == before


def test_fund_the_next_coupon_trade_and_claim_on_the_fork(upstream, fork, local_history):
    acct = fork.deployment.accounts
    bond, amm = fork.c("corporate.bond"), fork.c("corporate.amm")
    usdc = fork.c("stablecoin")
    up_bond = upstream.chain.c("corporate.bond")
    before = _snapshot(upstream.chain, "latest")
    up_head = upstream.chain.w3.eth.block_number
    up_balance = upstream.chain.c("stablecoin").functions.balanceOf(BOB).call()

    # Coupon 2: chain time on the fork passes its record date; fund and claim it.
    record_ts, coupon = bond.functions.coupon_period(2).call()
    fork.travel(record_ts + 3_600)
    fork.send(bond.functions.roll(), acct["keeper"])
    shares, due, funded = bond.functions.coupon_record(2).call()
    supply = bond.functions.totalSupply().call()
    assert funded == 0 and due == -(-coupon * supply // TOKEN)  # ceil(coupon * supply / 1e18)
    fork.send(bond.functions.fund_coupon(2, due), acct["paying_agent"])
    cash_before = usdc.functions.balanceOf(BOB).call()
    fork.send(bond.functions.claim_coupons(2, 2), BOB)
    owed = bond.functions.shares_at_record(BOB, 2).call() * due // shares
    assert owed > 0 and usdc.functions.balanceOf(BOB).call() - cash_before == owed

    # A trade at a fresh price.
    fork.send(fork.c("corporate.price_feed").functions.submit(PAR, fork.now()), acct["keeper"])
    x_before = amm.functions.reserves().call()[0]
    fork.send(amm.functions.sell(TOKEN, 0, BOB, MAX_UINT), BOB)
    assert amm.functions.reserves().call()[0] == x_before + TOKEN

    # Upstream: same head, same state, coupon 2 not even recorded there.
    assert upstream.chain.w3.eth.block_number == up_head
    assert _snapshot(upstream.chain, "latest") == before
    assert up_bond.functions.coupon_record(2).call() == [0, 0, 0]
    assert upstream.chain.c("stablecoin").functions.balanceOf(BOB).call() == up_balance
