"""PriceFeed: Chainlink AggregatorV3 reads, reporters, timestamps, deviation rule, history."""

from __future__ import annotations

import ape
import pytest

from .conftest import MAX_DEVIATION_BPS, PAR

pytestmark = pytest.mark.usefixtures("bond")


def test_deploy__metadata_and_empty_feed(feed, bond, admin):
    assert feed.decimals() == 8
    assert feed.description() == "BL31 clean price / % of par"
    assert feed.version() == 1
    assert feed.bond() == bond.address
    assert feed.PAR_ANSWER() == PAR
    assert feed.max_deviation_bps() == MAX_DEVIATION_BPS
    assert feed.hasRole(feed.DEFAULT_ADMIN_ROLE(), admin)
    # Before the first report: all zeros, as Chainlink OCR aggregators return.
    assert feed.latestRoundData() == (0, 0, 0, 0, 0)
    with ape.reverts("feed: round not available"):
        feed.getRoundData(1)


def test_deploy__rejects_bad_parameters(project, admin, bond):
    zero = "0x0000000000000000000000000000000000000000"
    with ape.reverts("feed: bond is the zero address"):
        admin.deploy(project.PriceFeed, zero, "x", 500, admin)
    with ape.reverts("feed: admin is the zero address"):
        admin.deploy(project.PriceFeed, bond, "x", 500, zero)
    with ape.reverts("feed: deviation out of range"):
        admin.deploy(project.PriceFeed, bond, "x", 0, admin)
    with ape.reverts("feed: deviation out of range"):
        admin.deploy(project.PriceFeed, bond, "x", 10_001, admin)


def test_deploy__deployer_keeps_no_role(project, accounts, admin, bond):
    deployer = accounts[8]
    feed = deployer.deploy(project.PriceFeed, bond, "x", 500, admin)
    assert feed.hasRole(feed.DEFAULT_ADMIN_ROLE(), admin)
    assert not feed.hasRole(feed.DEFAULT_ADMIN_ROLE(), deployer)


def test_submit__first_round__published_with_events(feed, reporter, tick):
    ts = tick()
    receipt = feed.submit(98_50000000, ts, sender=reporter)
    assert receipt.return_value is True
    assert feed.latestRoundData() == (1, 98_50000000, ts, ts, 1)
    assert feed.getRoundData(1) == (1, 98_50000000, ts, ts, 1)
    new_round = feed.NewRound.from_receipt(receipt)[0]
    assert (new_round.roundId, new_round.startedBy, new_round.startedAt) == (1, reporter, ts)
    updated = feed.AnswerUpdated.from_receipt(receipt)[0]
    assert (updated.current, updated.roundId, updated.updatedAt) == (98_50000000, 1, ts)


def test_submit__by_non_reporter__reverts(feed, attacker, tick):
    with ape.reverts("access_control: account is missing role"):
        feed.submit(PAR, tick(), sender=attacker)


def test_submit__revoked_reporter__reverts(feed, admin, reporter, tick):
    feed.revokeRole(feed.REPORTER_ROLE(), reporter, sender=admin)
    with ape.reverts("access_control: account is missing role"):
        feed.submit(PAR, tick(), sender=reporter)


@pytest.mark.parametrize("answer", [0, 2**80])
def test_submit__answer_out_of_range__reverts(feed, reporter, tick, answer):
    with ape.reverts("feed: answer out of range"):
        feed.submit(answer, tick(), sender=reporter)


def test_submit__largest_answer__accepted(feed, reporter, tick):
    feed.submit(2**80 - 1, tick(), sender=reporter)
    assert feed.latestRoundData()[1] == 2**80 - 1


def test_submit__timestamp_in_future__reverts(feed, reporter, chain, tick):
    ts = tick()
    chain.pending_timestamp = ts + 10
    with ape.reverts("feed: timestamp in the future"):
        feed.submit(PAR, ts + 11, sender=reporter)


def test_submit__timestamp_equal_to_block_time__accepted(feed, reporter, chain, tick):
    ts = tick() + 10
    chain.pending_timestamp = ts
    feed.submit(PAR, ts, sender=reporter)
    assert feed.latestRoundData()[3] == ts


def test_submit__timestamp_not_after_latest__reverts(feed, reporter, second_reporter, tick):
    ts = tick()
    feed.submit(PAR, ts, sender=reporter)
    tick()
    with ape.reverts("feed: timestamp not after latest"):
        feed.submit(PAR + 1, ts, sender=second_reporter)
    with ape.reverts("feed: timestamp not after latest"):
        feed.submit(PAR + 1, ts - 1, sender=reporter)
    feed.submit(PAR + 1, ts + 1, sender=reporter)
    assert feed.latestRoundData()[:2] == (2, PAR + 1)


def test_submit__within_deviation__published(feed, reporter, tick):
    feed.submit(PAR, tick(), sender=reporter)
    up = PAR + PAR * MAX_DEVIATION_BPS // 10_000  # exactly +5 %: allowed
    assert feed.submit(up, tick(), sender=reporter).return_value is True
    down = up - up * MAX_DEVIATION_BPS // 10_000  # exactly -5 % of the new answer
    assert feed.submit(down, tick(), sender=reporter).return_value is True
    assert feed.latestRoundData()[:2] == (3, down)


def test_submit__large_move__held_until_other_reporter_confirms(
    feed, reporter, second_reporter, tick
):
    ts0 = tick()
    feed.submit(PAR, ts0, sender=reporter)
    big = PAR * 80 // 100  # -20 %
    ts1 = tick()
    receipt = feed.submit(big, ts1, sender=reporter)
    assert receipt.return_value is False
    proposed = feed.LargeMoveProposed.from_receipt(receipt)[0]
    assert (proposed.reporter, proposed.answer, proposed.latest_answer) == (reporter, big, PAR)
    # Not published: the latest round is unchanged, the proposal is visible.
    assert feed.latestRoundData() == (1, PAR, ts0, ts0, 1)
    assert feed.pending_move() == (reporter, big, ts1)

    # The same reporter cannot confirm its own proposal.
    assert feed.submit(big, tick(), sender=reporter).return_value is False
    assert feed.latestRoundData()[0] == 1

    # Another reporter within 5 % of the proposal confirms: a new round with its value.
    confirm = big + big * 3 // 100
    ts2 = tick()
    receipt = feed.submit(confirm, ts2, sender=second_reporter)
    assert receipt.return_value is True
    assert feed.latestRoundData() == (2, confirm, ts2, ts2, 2)
    event = feed.LargeMoveConfirmed.from_receipt(receipt)[0]
    assert (event.roundId, event.proposer, event.confirmer) == (2, reporter, second_reporter)
    assert (event.proposed_answer, event.answer) == (big, confirm)
    assert feed.pending_move() == ("0x0000000000000000000000000000000000000000", 0, 0)


def test_submit__large_move__other_reporter_far_from_proposal__replaces_it(
    feed, reporter, second_reporter, tick
):
    feed.submit(PAR, tick(), sender=reporter)
    feed.submit(PAR * 2, tick(), sender=reporter)
    ts = tick()
    assert feed.submit(PAR // 2, ts, sender=second_reporter).return_value is False
    assert feed.pending_move() == (second_reporter, PAR // 2, ts)
    # Now the first reporter may confirm the second one's proposal.
    assert feed.submit(PAR // 2 + 1, tick(), sender=reporter).return_value is True
    assert feed.latestRoundData()[:2] == (2, PAR // 2 + 1)


def test_submit__normal_update__discards_open_proposal(feed, reporter, second_reporter, tick):
    feed.submit(PAR, tick(), sender=reporter)
    feed.submit(PAR * 3, tick(), sender=reporter)
    receipt = feed.submit(PAR + 1, tick(), sender=second_reporter)
    assert receipt.return_value is True
    discarded = feed.LargeMoveDiscarded.from_receipt(receipt)[0]
    assert (discarded.proposer, discarded.answer) == (reporter, PAR * 3)
    assert feed.pending_move()[0] == "0x0000000000000000000000000000000000000000"
    # The discarded proposal can no longer be confirmed.
    assert feed.submit(PAR * 3, tick(), sender=second_reporter).return_value is False
    assert feed.latestRoundData()[:2] == (2, PAR + 1)


def test_set_max_deviation__admin_only_with_event(feed, admin, attacker, reporter, tick):
    with ape.reverts("access_control: account is missing role"):
        feed.set_max_deviation(2_000, sender=attacker)
    with ape.reverts("feed: deviation out of range"):
        feed.set_max_deviation(0, sender=admin)
    with ape.reverts("feed: deviation out of range"):
        feed.set_max_deviation(10_001, sender=admin)
    feed.submit(PAR, tick(), sender=reporter)
    receipt = feed.set_max_deviation(2_000, sender=admin)
    event = feed.MaxDeviationUpdated.from_receipt(receipt)[0]
    assert (event.admin, event.old_bps, event.new_bps) == (admin, MAX_DEVIATION_BPS, 2_000)
    assert feed.max_deviation_bps() == 2_000
    # The head (latest round) is untouched, and a 20 % move now passes directly.
    assert feed.latestRoundData()[:2] == (1, PAR)
    assert feed.submit(PAR * 120 // 100, tick(), sender=reporter).return_value is True


def test_get_round_data__keeps_last_history_rounds(feed, reporter, tick):
    history = feed.HISTORY()
    base = tick(1_000) - 1_000  # every observation below is in the past
    stamps = {r: base + r for r in range(1, history + 3)}
    for r, ts in stamps.items():
        feed.submit(PAR + r, ts, sender=reporter)
    latest = history + 2
    assert feed.latestRoundData() == (latest, PAR + latest, stamps[latest], stamps[latest], latest)
    oldest = latest - history + 1
    for r in (oldest, oldest + 1, latest - 1, latest):
        assert feed.getRoundData(r) == (r, PAR + r, stamps[r], stamps[r], r)
    for r in (0, 1, oldest - 1, latest + 1):
        with ape.reverts("feed: round not available"):
            feed.getRoundData(r)


def test_submit__gas_within_target(feed, reporter, tick):
    """Receipt gasUsed (21,000 intrinsic included) of a steady-state update <= 50,000."""
    feed.submit(PAR, tick(), sender=reporter)
    receipt = feed.submit(PAR + 12_345_678, tick(), sender=reporter)
    assert receipt.gas_used <= 50_000
