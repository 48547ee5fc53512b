# pragma version ~=0.4.3
"""
@title bondline PriceFeedBatcher
@license GNU Affero General Public License v3.0 only
@notice Pushes prices to several PriceFeeds in one transaction (one
        report per feed), so the keeper pays the 21,000 intrinsic gas once.
@custom:security Stateless and permissionless: it forwards each report
        with `submit_for(msg.sender, ...)`, and every feed checks that it
        holds FORWARDER_ROLE there and that `msg.sender` (the real
        reporter) holds REPORTER_ROLE. Nobody can report through it under
        another reporter's name. All or nothing: one rejected report
        reverts the whole batch (with that feed's reason); a large move
        held as a proposal is not a rejection.
"""

# ------------------------------------------------------------- interfaces --
from interfaces import IPriceFeed

# -------------------------------------------------------------- constants --
MAX_BATCH: public(constant(uint256)) = 32


# --------------------------------------------------------------- external --
@external
def submit_batch(
    feeds: DynArray[IPriceFeed, MAX_BATCH],
    answers: DynArray[uint256, MAX_BATCH],
    observed_at: DynArray[uint256, MAX_BATCH],
) -> uint256:
    """
    @notice Report `answers[i]` (percent of par, 8 decimals) observed at
            `observed_at[i]` (unix s) to `feeds[i]`, as the caller.
    @return Bitmap of the reports published as new rounds (bit i set);
            the others were held as large-move proposals.
    """
    n: uint256 = len(feeds)
    assert n > 0, "feed: empty batch"
    assert len(answers) == n and len(observed_at) == n, "feed: batch length mismatch"
    published: uint256 = 0
    for i: uint256 in range(n, bound=MAX_BATCH):
        if extcall feeds[i].submit_for(msg.sender, answers[i], observed_at[i]):
            published |= 1 << i
    return published
