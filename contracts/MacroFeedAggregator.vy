# pragma version ~=0.4.3
"""
@title bondline MacroFeedAggregator (AggregatorV3 view of one macro series)
@license GNU Affero General Public License v3.0 only
@notice Read-only adapter: one (sovereign, series) of the MacroFeed behind
        Chainlink's AggregatorV3Interface, for dashboards and integrations
        that only speak that interface. `answer` is the value in bps, i.e.
        a percentage with `decimals()` = 2 (13_730 = 137.30 % of GDP).
@custom:security
        - Round id = the feed's update-log index + 1 of the version shown.
          Ids grow with every report of the sovereign but are not
          contiguous per series (the two series share the log).
          `getRoundData` of a round that belongs to the other series
          reverts.
        - `latestRoundData` is the latest version of the NEWEST period, so
          a revision of an older period is a round (readable by id) but
          never the latest answer.
        - `startedAt` and `updatedAt` are the source's publication time,
          so a staleness check measures the age of the statistic.
        - No state, no roles: it cannot change anything.
"""

# ------------------------------------------------------------- interfaces --
from interfaces import IAggregatorV3
from interfaces import IMacroFeed

implements: IAggregatorV3

# -------------------------------------------------------------- constants --
DECIMALS: constant(uint8) = 2  # answers are bps = percent with 2 decimals
VERSION: constant(uint256) = 1
_DEBT_TO_GDP: constant(uint8) = 1
_GDP_GROWTH: constant(uint8) = 2

# ---------------------------------------------------------------- storage --
FEED: public(immutable(IMacroFeed))
CODE: public(immutable(bytes3))
SERIES: public(immutable(uint8))
_description: immutable(String[64])


# ------------------------------------------------------------ constructor --
@deploy
def __init__(feed_: IMacroFeed, code_: bytes3, series_: uint8, description_: String[64]):
    """
    @param description_ e.g. "ITA general government debt, % of GDP".
    """
    assert feed_.address != empty(address), "macro: feed is the zero address"
    assert series_ == _DEBT_TO_GDP or series_ == _GDP_GROWTH, "macro: unknown series"
    assert staticcall feed_.frequency(code_) != 0, "macro: unknown sovereign"
    FEED = feed_
    CODE = code_
    SERIES = series_
    _description = description_


# ------------------------------------------------------------------- view --
@external
@view
def decimals() -> uint8:
    return DECIMALS


@external
@view
def description() -> String[64]:
    return _description


@external
@view
def version() -> uint256:
    return VERSION


@external
@view
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    """
    @return (roundId, answer [bps], startedAt, updatedAt [source
            publication, unix s], answeredInRound)
    """
    round_id: uint256 = staticcall FEED.latest_round(CODE, SERIES)
    assert round_id != 0, "macro: no data"
    return self._round(round_id)


@external
@view
def getRoundData(_roundId: uint80) -> (uint80, int256, uint256, uint256, uint80):
    assert _roundId != 0, "macro: no such round"
    return self._round(convert(_roundId, uint256))


# --------------------------------------------------------------- internal --
@internal
@view
def _round(round_id: uint256) -> (uint80, int256, uint256, uint256, uint80):
    series: uint8 = 0
    period: uint256 = 0
    answer: int256 = 0
    published_at: uint256 = 0
    recorded_at: uint256 = 0
    version_: uint256 = 0
    series, period, answer, published_at, recorded_at, version_ = staticcall FEED.update_at(CODE, round_id - 1)
    assert series == SERIES, "macro: round of another series"
    rid: uint80 = convert(round_id, uint80)
    return (rid, answer, published_at, published_at, rid)
