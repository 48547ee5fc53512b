"""PriceFeedBatcher: several feeds in one transaction, each report under its reporter's name."""

from __future__ import annotations

import ape
import pytest

from .conftest import PAR


@pytest.fixture(scope="module")
def feeds(make_feed, batcher, admin):
    out = [make_feed(f"feed {i}") for i in range(3)]
    for f in out:
        f.grantRole(f.FORWARDER_ROLE(), batcher, sender=admin)
    return out


def test_submit_batch__updates_every_feed_as_the_caller(batcher, feeds, reporter, tick):
    ts = tick()
    receipt = batcher.submit_batch(feeds, [PAR, PAR + 1, PAR + 2], [ts] * 3, sender=reporter)
    assert receipt.return_value == 0b111
    for i, f in enumerate(feeds):
        assert f.latestRoundData() == (1, PAR + i, ts, ts, 1)
        # The round was started by the reporter, not by the batcher.
        assert f.NewRound.from_receipt(receipt)[0].startedBy == reporter


def test_submit_batch__large_move__held_as_proposal_in_bitmap(
    batcher, feeds, reporter, second_reporter, tick
):
    batcher.submit_batch(feeds, [PAR] * 3, [tick()] * 3, sender=reporter)
    ts = tick()
    receipt = batcher.submit_batch(feeds, [PAR, PAR * 2, PAR + 3], [ts] * 3, sender=reporter)
    assert receipt.return_value == 0b101
    assert feeds[1].pending_move() == (reporter, PAR * 2, ts)
    # The proposal keeps the reporter's identity: another reporter confirms it through the batcher.
    receipt = batcher.submit_batch([feeds[1]], [PAR * 2], [tick()], sender=second_reporter)
    assert receipt.return_value == 1
    assert feeds[1].latestRoundData()[:2] == (2, PAR * 2)


def test_submit_batch__by_non_reporter__reverts(batcher, feeds, attacker, tick):
    with ape.reverts("access_control: account is missing role"):
        batcher.submit_batch(feeds, [PAR] * 3, [tick()] * 3, sender=attacker)


def test_submit_batch__feed_without_forwarder_role__reverts(
    batcher, feeds, make_feed, reporter, tick
):
    stranger = make_feed("no forwarder")
    with ape.reverts("access_control: account is missing role"):
        batcher.submit_batch([feeds[0], stranger], [PAR, PAR], [tick()] * 2, sender=reporter)
    # All or nothing: the first feed was not updated either.
    assert feeds[0].latestRoundData()[0] == 0


def test_submit_for__direct_call_by_reporter__reverts(feeds, reporter, tick):
    """Only a forwarder may name a reporter; a reporter cannot call submit_for itself."""
    with ape.reverts("access_control: account is missing role"):
        feeds[0].submit_for(reporter, PAR, tick(), sender=reporter)


def test_submit_batch__one_bad_report__reverts_whole_batch(batcher, feeds, reporter, tick):
    ts = tick()
    with ape.reverts("feed: answer out of range"):
        batcher.submit_batch(feeds, [PAR, 0, PAR], [ts] * 3, sender=reporter)
    assert all(f.latestRoundData()[0] == 0 for f in feeds)


def test_submit_batch__bad_lengths__revert(batcher, feeds, reporter, tick):
    with ape.reverts("feed: empty batch"):
        batcher.submit_batch([], [], [], sender=reporter)
    with ape.reverts("feed: batch length mismatch"):
        batcher.submit_batch(feeds, [PAR] * 2, [tick()] * 3, sender=reporter)
    with ape.reverts("feed: batch length mismatch"):
        batcher.submit_batch(feeds, [PAR] * 3, [tick()] * 2, sender=reporter)
