# pragma version ~=0.4.3
"""
@title bondline MacroFeed (sovereign debt-to-GDP and real GDP growth)
@license GNU Affero General Public License v3.0 only
@notice Macro statistics per sovereign (ISO 3166-1 alpha-3 code as
        bytes3, e.g. b"ITA"), pushed by authorised reporters (the keeper)
        and read by the TSDCM (DebtConversion). Two series, both in basis
        points (1 bps = 0.01 %): DEBT_TO_GDP (1), general government gross
        debt in bps of GDP (137.30 % = 13_730), and GDP_GROWTH (2), real
        GDP growth in bps per year, signed (-8.90 % = -890). Each value is
        for an observation period (annual: year, 2026; quarterly:
        year * 100 + quarter, 202603) and carries the source's publication
        time. This is the oracle package's `to_fixed(2)` of a percentage.
@custom:security
        - Nothing is overwritten. Every report, first print or revision,
          appends one entry to the sovereign's update log; the versions of
          one (series, period) are linked, newest first, so the whole
          history stays readable (`versions`, `observation_version`) and
          the latest version of a period wins (`observation`, `latest`).
          A revision must change the value and may not claim an earlier
          publication than the version it revises; at most MAX_VERSIONS
          versions per period bound every walk through the history.
        - Two times per version: `published_at`, the source's publication
          time given by the reporter (period end <= published_at <=
          block.timestamp), which staleness is measured from; and
          `recorded_at` = block.timestamp, which no one can backdate and
          which the TSDCM's confirmation delay and payout cut-off use.
        - "Latest" is the newest period of a series (not the newest
          report): a revision of an old period never hides a newer one.
          A period must have ended before its statistic is published, so
          a future period cannot be pushed by mistake and then shadow the
          real data.
        - Values are range-checked (debt 0..1,000 % of GDP, growth
          -100 %..+1,000 % a year); the off-chain oracle package does the
          real validation (sources, agreement, deviation).
        - Roles: DEFAULT_ADMIN_ROLE manages roles and registers
          sovereigns; REPORTER_ROLE reports. Every change emits an event.
"""

# ---------------------------------------------------------------- modules --
from snekmate.auth import access_control
import modules.macro_period as macro_period

initializes: access_control

exports: (
    # Role management: grantRole/revokeRole/renounceRole are gated by each
    # role's admin role (DEFAULT_ADMIN_ROLE unless changed).
    access_control.supportsInterface,
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
)

# -------------------------------------------------------------- constants --
REPORTER_ROLE: public(constant(bytes32)) = keccak256("REPORTER_ROLE")

# Series identifiers (0 = none).
DEBT_TO_GDP: public(constant(uint8)) = 1
GDP_GROWTH: public(constant(uint8)) = 2

# Values are bps: a percentage with 2 decimals (AggregatorV3 `decimals`).
DECIMALS: public(constant(uint8)) = 2
MAX_DEBT_BPS: public(constant(int256)) = 100_000    # 1,000 % of GDP
MIN_GROWTH_BPS: public(constant(int256)) = -10_000  # -100 % a year
MAX_GROWTH_BPS: public(constant(int256)) = 100_000  # +1,000 % a year

# Versions per (series, period): first print plus revisions.
MAX_VERSIONS: public(constant(uint256)) = 32

_M8: constant(uint256) = 2**8 - 1
_M16: constant(uint256) = 2**16 - 1
_M32: constant(uint256) = 2**32 - 1
_M40: constant(uint256) = 2**40 - 1
_M64: constant(uint256) = 2**64 - 1
# Values are stored biased by 2**63 in 64 bits (int64 range, far wider
# than the value ranges above).
_BIAS: constant(int256) = 2**63

# `_sovereigns[code]`, one word:
#   bits   0..7    frequency: periods per year (1 or 4), 0 = not registered
#   bits   8..39   update log length
#   bits  40..71   latest (newest) period of DEBT_TO_GDP, 0 = none
#   bits  72..103  latest period of GDP_GROWTH, 0 = none
_LENGTH_SHIFT: constant(uint256) = 8
_LATEST_SHIFT: constant(uint256) = 40   # + 32 * (series - 1)

# `_log[code][i]`, one word per report (i = 0, 1, ...):
#   bits   0..39   published_at (unix s, source publication)
#   bits  40..79   recorded_at (unix s, block.timestamp of the report)
#   bits  80..143  value + 2**63 (bps)
#   bits 144..175  period
#   bits 176..183  series
#   bits 184..199  version (1 = first print)
#   bits 200..231  log index + 1 of the previous version, 0 = none
_RECORDED_SHIFT: constant(uint256) = 40
_VALUE_SHIFT: constant(uint256) = 80
_PERIOD_SHIFT: constant(uint256) = 144
_SERIES_SHIFT: constant(uint256) = 176
_VERSION_SHIFT: constant(uint256) = 184
_PREV_SHIFT: constant(uint256) = 200

# ---------------------------------------------------------------- storage --
# One version of a statistic, as `versions` returns it.
struct Observation:
    value: int256          # bps of GDP (debt) or bps per year (growth)
    published_at: uint256  # unix s, source publication
    recorded_at: uint256   # unix s, block of the report
    version: uint256       # 1 = first print

_sovereigns: HashMap[bytes3, uint256]
_log: HashMap[bytes3, HashMap[uint256, uint256]]
# Log index + 1 of the latest version of (series, period), 0 = none.
_heads: HashMap[bytes3, HashMap[uint8, HashMap[uint256, uint256]]]

# ----------------------------------------------------------------- events --
event SovereignAdded:
    code: indexed(bytes3)
    frequency: uint256
    admin: indexed(address)

event ObservationReported:
    code: indexed(bytes3)
    series: indexed(uint8)
    period: indexed(uint256)
    value: int256
    published_at: uint256
    index: uint256
    reporter: address

event ObservationRevised:
    code: indexed(bytes3)
    series: indexed(uint8)
    period: indexed(uint256)
    value: int256
    previous_value: int256
    version: uint256
    published_at: uint256
    index: uint256
    reporter: address


# ------------------------------------------------------------ constructor --
@deploy
def __init__(admin_: address):
    """
    @param admin_ Receives DEFAULT_ADMIN_ROLE (oracle governance multisig);
           the deployer keeps nothing.
    """
    assert admin_ != empty(address), "macro: admin is the zero address"
    access_control.__init__()
    if admin_ != msg.sender:
        access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, admin_)
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)


# --------------------------------------------------------------- external --
@external
def add_sovereign(code: bytes3, frequency_: uint256):
    """
    @notice Register a sovereign and how often its series are observed.
    @param code ISO 3166-1 alpha-3 code, three upper-case letters (b"ITA").
    @param frequency_ Observation periods per year: 1 (annual) or 4 (quarterly).
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    raw: uint256 = convert(convert(code, bytes32), uint256) >> 232
    for i: uint256 in range(3):
        letter: uint256 = (raw >> (8 * i)) & _M8
        assert letter >= 65 and letter <= 90, "macro: code is not three capital letters"
    assert frequency_ == macro_period.ANNUAL or frequency_ == macro_period.QUARTERLY, "macro: frequency not 1 or 4"
    assert self._sovereigns[code] == 0, "macro: sovereign already registered"
    self._sovereigns[code] = frequency_
    log SovereignAdded(code=code, frequency=frequency_, admin=msg.sender)


@external
def report(code: bytes3, series: uint8, period: uint256, value_bps: int256, published_at: uint256) -> uint256:
    """
    @notice Record one statistic: the first print of (series, period) or a
            revision of it (a new version; the old ones stay readable).
    @param series DEBT_TO_GDP (value in bps of GDP) or GDP_GROWTH (bps a year).
    @param period Year (annual) or year * 100 + quarter (quarterly).
    @param value_bps Bps of GDP (debt) or bps a year (growth, signed).
    @param published_at When the source published it (unix s): not before
           the period ended, not in the future, not before the version it revises.
    @return The version recorded (1 = first print).
    """
    access_control._check_role(REPORTER_ROLE, msg.sender)
    return self._report(code, series, period, value_bps, published_at)


@external
def report_pair(code: bytes3, period: uint256, debt_bps: int256, growth_bps: int256, published_at: uint256):
    """
    @notice Record both series of one period (e.g. one IMF WEO release).
            Each is a first print or a revision as in `report`; the debt
            entry is logged before the growth entry. All or nothing: if
            either value equals its latest version the call reverts
            ("macro: value unchanged"); revise one series with `report`.
    """
    access_control._check_role(REPORTER_ROLE, msg.sender)
    self._report(code, DEBT_TO_GDP, period, debt_bps, published_at)
    self._report(code, GDP_GROWTH, period, growth_bps, published_at)


# ------------------------------------------------------------------- view --
@external
@view
def frequency(code: bytes3) -> uint256:
    """
    @return Observation periods per year (1 or 4); 0 = not registered.
    """
    return self._sovereigns[code] & _M8


@external
@view
def update_count(code: bytes3) -> uint256:
    """
    @return Number of reports (first prints and revisions) for `code`.
    """
    return (self._sovereigns[code] >> _LENGTH_SHIFT) & _M32


@external
@view
def update_at(code: bytes3, index: uint256) -> (uint8, uint256, int256, uint256, uint256, uint256):
    """
    @notice The `index`-th report for `code`, in recording order.
    @return (series, period, value [bps], published_at [unix s],
             recorded_at [unix s], version)
    """
    assert index < (self._sovereigns[code] >> _LENGTH_SHIFT) & _M32, "macro: no such update"
    entry: uint256 = self._log[code][index]
    return (
        convert((entry >> _SERIES_SHIFT) & _M8, uint8),
        (entry >> _PERIOD_SHIFT) & _M32,
        self._value(entry),
        entry & _M40,
        (entry >> _RECORDED_SHIFT) & _M40,
        (entry >> _VERSION_SHIFT) & _M16,
    )


@external
@view
def latest_period(code: bytes3, series: uint8) -> uint256:
    """
    @return The newest period of `series` reported so far, 0 = none.
    """
    return self._latest_period(code, series)


@external
@view
def latest(code: bytes3, series: uint8) -> (uint256, int256, uint256, uint256, uint256):
    """
    @notice The latest version of the newest period of `series`.
    @return (period, value [bps], published_at, recorded_at, version);
            all zero when nothing was reported.
    """
    period: uint256 = self._latest_period(code, series)
    if period == 0:
        return (0, 0, 0, 0, 0)
    entry: uint256 = self._log[code][self._heads[code][series][period] - 1]
    return (period, self._value(entry), entry & _M40, (entry >> _RECORDED_SHIFT) & _M40, (entry >> _VERSION_SHIFT) & _M16)


@external
@view
def latest_round(code: bytes3, series: uint8) -> uint256:
    """
    @return Log index + 1 of `latest(code, series)` (its AggregatorV3
            round id), 0 when nothing was reported.
    """
    period: uint256 = self._latest_period(code, series)
    if period == 0:
        return 0
    return self._heads[code][series][period]


@external
@view
def observation(code: bytes3, series: uint8, period: uint256) -> (int256, uint256, uint256, uint256):
    """
    @notice The latest version of (series, period).
    @return (value [bps], published_at, recorded_at, version); version 0 = none.
    """
    head: uint256 = self._heads[code][series][period]
    if head == 0:
        return (0, 0, 0, 0)
    entry: uint256 = self._log[code][head - 1]
    return (self._value(entry), entry & _M40, (entry >> _RECORDED_SHIFT) & _M40, (entry >> _VERSION_SHIFT) & _M16)


@external
@view
def observation_before(code: bytes3, series: uint8, period: uint256, cutoff: uint256) -> (int256, uint256, uint256, uint256):
    """
    @notice The latest version of (series, period) recorded strictly before
            `cutoff` (unix s): what the feed said about it just before then.
    @return (value [bps], published_at, recorded_at, version); version 0 = none.
    """
    pointer: uint256 = self._heads[code][series][period]
    for _: uint256 in range(MAX_VERSIONS):
        if pointer == 0:
            break
        entry: uint256 = self._log[code][pointer - 1]
        recorded_at: uint256 = (entry >> _RECORDED_SHIFT) & _M40
        if recorded_at < cutoff:
            return (self._value(entry), entry & _M40, recorded_at, (entry >> _VERSION_SHIFT) & _M16)
        pointer = (entry >> _PREV_SHIFT) & _M32
    return (0, 0, 0, 0)


@external
@view
def observation_version(code: bytes3, series: uint8, period: uint256, version: uint256) -> (int256, uint256, uint256):
    """
    @notice One version of (series, period): 1 = first print.
    @return (value [bps], published_at, recorded_at)
    """
    pointer: uint256 = self._heads[code][series][period]
    for _: uint256 in range(MAX_VERSIONS):
        if pointer == 0:
            break
        entry: uint256 = self._log[code][pointer - 1]
        if (entry >> _VERSION_SHIFT) & _M16 == version:
            return (self._value(entry), entry & _M40, (entry >> _RECORDED_SHIFT) & _M40)
        pointer = (entry >> _PREV_SHIFT) & _M32
    raise "macro: no such version"


@external
@view
def versions(code: bytes3, series: uint8, period: uint256) -> DynArray[Observation, MAX_VERSIONS]:
    """
    @notice Every version of (series, period), newest first.
    """
    out: DynArray[Observation, MAX_VERSIONS] = []
    pointer: uint256 = self._heads[code][series][period]
    for _: uint256 in range(MAX_VERSIONS):
        if pointer == 0:
            break
        entry: uint256 = self._log[code][pointer - 1]
        out.append(Observation(value=self._value(entry), published_at=entry & _M40, recorded_at=(entry >> _RECORDED_SHIFT) & _M40, version=(entry >> _VERSION_SHIFT) & _M16))
        pointer = (entry >> _PREV_SHIFT) & _M32
    return out


@external
@view
def age(code: bytes3, series: uint8) -> uint256:
    """
    @notice Seconds since the source published `latest(code, series)`;
            max_value(uint256) when nothing was reported.
    """
    period: uint256 = self._latest_period(code, series)
    if period == 0:
        return max_value(uint256)
    entry: uint256 = self._log[code][self._heads[code][series][period] - 1]
    # published_at <= block.timestamp of the report <= now
    return block.timestamp - (entry & _M40)


@external
@view
def is_fresh(code: bytes3, series: uint8, max_age: uint256) -> bool:
    """
    @notice Whether `latest(code, series)` was published at most `max_age`
            seconds ago.
    """
    period: uint256 = self._latest_period(code, series)
    if period == 0:
        return False
    entry: uint256 = self._log[code][self._heads[code][series][period] - 1]
    return block.timestamp - (entry & _M40) <= max_age


@external
@view
def period_end(code: bytes3, period: uint256) -> uint256:
    """
    @return First second after `period` (unix s) for `code`'s frequency.
    """
    frequency_: uint256 = self._sovereigns[code] & _M8
    assert macro_period._is_valid(period, frequency_), "macro: invalid period"
    return macro_period._end(period, frequency_)


# --------------------------------------------------------------- internal --
@internal
def _report(code: bytes3, series: uint8, period: uint256, value_bps: int256, published_at: uint256) -> uint256:
    word: uint256 = self._sovereigns[code]
    frequency_: uint256 = word & _M8
    assert frequency_ != 0, "macro: unknown sovereign"
    assert series == DEBT_TO_GDP or series == GDP_GROWTH, "macro: unknown series"
    assert macro_period._is_valid(period, frequency_), "macro: invalid period"
    assert published_at <= block.timestamp, "macro: publication in the future"
    assert published_at >= macro_period._end(period, frequency_), "macro: published before the period ended"
    if series == DEBT_TO_GDP:
        assert value_bps >= 0 and value_bps <= MAX_DEBT_BPS, "macro: debt ratio out of range"
    else:
        assert value_bps >= MIN_GROWTH_BPS and value_bps <= MAX_GROWTH_BPS, "macro: growth out of range"

    index: uint256 = (word >> _LENGTH_SHIFT) & _M32
    assert index < _M32, "macro: update log full"
    head: uint256 = self._heads[code][series][period]
    version: uint256 = 1
    if head != 0:
        previous: uint256 = self._log[code][head - 1]
        version = ((previous >> _VERSION_SHIFT) & _M16) + 1
        assert version <= MAX_VERSIONS, "macro: too many revisions"
        assert value_bps != self._value(previous), "macro: value unchanged"
        assert published_at >= previous & _M40, "macro: published before the version it revises"

    # value + 2**63 fits in 64 bits: |value| <= 100_000 bps (checked above).
    self._log[code][index] = (
        published_at
        | (block.timestamp << _RECORDED_SHIFT)
        | (convert(value_bps + _BIAS, uint256) << _VALUE_SHIFT)
        | (period << _PERIOD_SHIFT)
        | (convert(series, uint256) << _SERIES_SHIFT)
        | (version << _VERSION_SHIFT)
        | (head << _PREV_SHIFT)
    )
    self._heads[code][series][period] = index + 1

    # Log length + 1, and the newest period of the series.
    latest_shift: uint256 = _LATEST_SHIFT + 32 * (convert(series, uint256) - 1)
    word = (word & ~(_M32 << _LENGTH_SHIFT)) | ((index + 1) << _LENGTH_SHIFT)
    if period > (word >> latest_shift) & _M32:
        word = (word & ~(_M32 << latest_shift)) | (period << latest_shift)
    self._sovereigns[code] = word

    if version == 1:
        log ObservationReported(code=code, series=series, period=period, value=value_bps, published_at=published_at, index=index, reporter=msg.sender)
    else:
        log ObservationRevised(code=code, series=series, period=period, value=value_bps, previous_value=self._value(self._log[code][head - 1]), version=version, published_at=published_at, index=index, reporter=msg.sender)
    return version


@internal
@view
def _latest_period(code: bytes3, series: uint8) -> uint256:
    if series != DEBT_TO_GDP and series != GDP_GROWTH:
        return 0
    return (self._sovereigns[code] >> (_LATEST_SHIFT + 32 * (convert(series, uint256) - 1))) & _M32


@internal
@pure
def _value(entry: uint256) -> int256:
    # value = stored 64-bit field - 2**63, bps
    return convert((entry >> _VALUE_SHIFT) & _M64, int256) - _BIAS
