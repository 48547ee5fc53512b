# pragma version ~=0.4.3
"""
@title bondline PriceFeed (custodian market price of one bond)
@license GNU Affero General Public License v3.0 only
@notice One feed per bond: the bond's clean market price in percent of
        par with 8 decimals (100.00000000 % = 10_000_000_000), pushed by
        authorised reporters (the keeper) and read through Chainlink's
        AggregatorV3Interface (`latestRoundData`, `getRoundData`,
        `decimals`, `description`, `version`).
@custom:security
        - Timestamps: `observed_at` is the time the price was observed
          (reported by the reporter); it must be strictly after the latest
          round's and not after `block.timestamp`. It is returned as both
          `startedAt` and `updatedAt`, so staleness checks measure the age
          of the data, not of the transaction.
        - Deviation rule (second confirmation, no admin override): a report
          more than `max_deviation_bps` away from the latest answer is NOT
          published; it is held as a proposal until a DIFFERENT reporter
          reports a price within `max_deviation_bps` of the proposal, which
          then becomes the new round (with the confirming report's value
          and time). A report within the limit of the latest answer is
          published at once and discards any open proposal. The very first
          round has nothing to deviate from and is published directly.
          The admin can only change `max_deviation_bps` (an event is
          emitted); it cannot write prices.
        - Gas: the latest round lives in one storage word (`_head`) read by
          `latestRoundData` with one SLOAD; the last `HISTORY` rounds sit in
          a ring buffer of pre-initialised words (two rounds per word), so
          an update writes two non-zero words and never pays a zero to
          non-zero SSTORE. Older rounds are gone from storage (the events
          keep them): `getRoundData` reverts for them.
        - Batches: PriceFeedBatcher (holding FORWARDER_ROLE) calls
          `submit_for` with the address of its caller, which must hold
          REPORTER_ROLE here; so each report keeps its reporter's identity.
        - Roles: DEFAULT_ADMIN_ROLE manages roles and the deviation limit,
          REPORTER_ROLE reports prices, FORWARDER_ROLE forwards reports.
"""

# ------------------------------------------------------------- interfaces --
from interfaces import IAggregatorV3
from interfaces import IPriceFeed

implements: IAggregatorV3
implements: IPriceFeed

# ---------------------------------------------------------------- modules --
from snekmate.auth import access_control

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
FORWARDER_ROLE: public(constant(bytes32)) = keccak256("FORWARDER_ROLE")

# Answers: percent of par, 8 decimals. PAR_ANSWER = 100 %.
DECIMALS: constant(uint8) = 8
PAR_ANSWER: public(constant(uint256)) = 100 * 10**8
VERSION: constant(uint256) = 1
MAX_BPS: constant(uint256) = 10_000

# Rounds kept in storage for getRoundData (ring buffer, two per word).
HISTORY: public(constant(uint256)) = 64
_HISTORY_WORDS: constant(uint256) = HISTORY // 2

_M16: constant(uint256) = 2**16 - 1
_M40: constant(uint256) = 2**40 - 1
_M64: constant(uint256) = 2**64 - 1
_M80: constant(uint256) = 2**80 - 1
_M128: constant(uint256) = 2**128 - 1
# Largest answer: 80 bits (1.2e24, i.e. 1.2e16 % of par).
MAX_ANSWER: public(constant(uint256)) = _M80

# `_head`, the latest round in one word:
#   bits   0..39   updatedAt (= startedAt), unix s
#   bits  40..119  answer (percent of par, 8 decimals)
#   bits 120..183  roundId (0 = no round yet)
#   bits 184..199  max deviation per update, bps
#   bit  200       a large-move proposal is open (`_pending*`)
_ANSWER_SHIFT: constant(uint256) = 40
_ROUND_SHIFT: constant(uint256) = 120
_DEV_SHIFT: constant(uint256) = 184
_PENDING_BIT: constant(uint256) = 1 << 200

# `_history[i]`: rounds r with r % HISTORY in {2i, 2i + 1}; round r sits in
# the half (r % 2) * 128: bits 0..39 timestamp, bits 40..119 answer.
# Bit 255 is set at deployment so that every write is non-zero -> non-zero.
_HALF: constant(uint256) = 128
_MARKER: constant(uint256) = 1 << 255

# ---------------------------------------------------------------- storage --
bond: public(immutable(address))
_description: immutable(String[64])

_head: uint256
_history: uint256[_HISTORY_WORDS]
# Open large-move proposal (valid while the _PENDING_BIT of `_head` is set):
#   bits 0..39 observed_at, bits 40..119 answer.
_pending: uint256
_pending_reporter: address

# ----------------------------------------------------------------- events --
# Chainlink AggregatorInterface events, one pair per round.
event AnswerUpdated:
    current: indexed(int256)
    roundId: indexed(uint256)
    updatedAt: uint256

event NewRound:
    roundId: indexed(uint256)
    startedBy: indexed(address)
    startedAt: uint256

event LargeMoveProposed:
    reporter: indexed(address)
    answer: uint256
    observed_at: uint256
    latest_answer: uint256

event LargeMoveConfirmed:
    roundId: indexed(uint256)
    proposer: indexed(address)
    confirmer: indexed(address)
    proposed_answer: uint256
    answer: uint256

event LargeMoveDiscarded:
    proposer: indexed(address)
    answer: uint256
    observed_at: uint256

event MaxDeviationUpdated:
    admin: indexed(address)
    old_bps: uint256
    new_bps: uint256


# ------------------------------------------------------------ constructor --
@deploy
def __init__(bond_: address, description_: String[64], max_deviation_bps_: uint256, admin_: address):
    """
    @param bond_ The BondToken this feed prices (one feed per bond).
    @param description_ E.g. "BL31 clean price / % of par".
    @param max_deviation_bps_ Largest move per update published without a
           second reporter's confirmation, bps of the latest answer.
    @param admin_ Receives DEFAULT_ADMIN_ROLE; the deployer keeps nothing.
    """
    assert bond_ != empty(address), "feed: bond is the zero address"
    assert admin_ != empty(address), "feed: admin is the zero address"
    assert max_deviation_bps_ > 0 and max_deviation_bps_ <= MAX_BPS, "feed: deviation out of range"
    access_control.__init__()
    if admin_ != msg.sender:
        access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, admin_)
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    bond = bond_
    _description = description_
    self._head = max_deviation_bps_ << _DEV_SHIFT
    # Pre-initialise the ring buffer (one-off ~22k gas per word) so that
    # round updates only rewrite non-zero words.
    for i: uint256 in range(_HISTORY_WORDS):
        self._history[i] = _MARKER


# --------------------------------------------------------------- external --
@external
def submit(answer: uint256, observed_at: uint256) -> bool:
    """
    @notice Report the bond's clean price observed at `observed_at`.
    @param answer Percent of par, 8 decimals (98.5 % = 9_850_000_000).
    @param observed_at Observation time, unix s: after the latest round's,
           not in the future.
    @return True if published as a new round, False if held as a
            large-move proposal awaiting another reporter.
    """
    access_control._check_role(REPORTER_ROLE, msg.sender)
    return self._submit(msg.sender, answer, observed_at)


@external
def submit_for(reporter: address, answer: uint256, observed_at: uint256) -> bool:
    """
    @notice `submit` on behalf of `reporter`, called by a trusted forwarder
            (PriceFeedBatcher), which passes its own caller as `reporter`.
    """
    access_control._check_role(FORWARDER_ROLE, msg.sender)
    access_control._check_role(REPORTER_ROLE, reporter)
    return self._submit(reporter, answer, observed_at)


@external
def set_max_deviation(new_bps: uint256):
    """
    @notice Change the largest move per update published without a second
            confirmation (bps of the latest answer).
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert new_bps > 0 and new_bps <= MAX_BPS, "feed: deviation out of range"
    head: uint256 = self._head
    old_bps: uint256 = (head >> _DEV_SHIFT) & _M16
    self._head = (head & ~(_M16 << _DEV_SHIFT)) | (new_bps << _DEV_SHIFT)
    log MaxDeviationUpdated(admin=msg.sender, old_bps=old_bps, new_bps=new_bps)


# ------------------------------------------------------------------- view --
@external
@view
def decimals() -> uint8:
    """
    @return 8: answers are percent of par with 8 decimals.
    """
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
    @notice The latest round; all zeros before the first report (as
            Chainlink OCR aggregators do), so consumers must check
            `answer > 0` and `updatedAt`.
    @return (roundId, answer [percent of par, 8 decimals],
             startedAt [unix s], updatedAt [unix s], answeredInRound)
    """
    head: uint256 = self._head
    round_id: uint80 = convert((head >> _ROUND_SHIFT) & _M64, uint80)
    ts: uint256 = head & _M40
    return (round_id, convert((head >> _ANSWER_SHIFT) & _M80, int256), ts, ts, round_id)


@external
@view
def getRoundData(_roundId: uint80) -> (uint80, int256, uint256, uint256, uint80):
    """
    @notice One of the last `HISTORY` rounds.
    @return (roundId, answer [percent of par, 8 decimals],
             startedAt [unix s], updatedAt [unix s], answeredInRound)
    """
    r: uint256 = convert(_roundId, uint256)
    latest: uint256 = (self._head >> _ROUND_SHIFT) & _M64
    assert r >= 1 and r <= latest and latest - r < HISTORY, "feed: round not available"
    half: uint256 = self._read_round(r)
    ts: uint256 = half & _M40
    return (_roundId, convert((half >> _ANSWER_SHIFT) & _M80, int256), ts, ts, _roundId)


@external
@view
def max_deviation_bps() -> uint256:
    return (self._head >> _DEV_SHIFT) & _M16


@external
@view
def pending_move() -> (address, uint256, uint256):
    """
    @return (proposer, answer [percent of par, 8 decimals], observed_at [unix s]);
            zeros when no large-move proposal is open.
    """
    if self._head & _PENDING_BIT == 0:
        return (empty(address), 0, 0)
    word: uint256 = self._pending
    return (self._pending_reporter, (word >> _ANSWER_SHIFT) & _M80, word & _M40)


# --------------------------------------------------------------- internal --
@internal
def _submit(reporter: address, answer: uint256, observed_at: uint256) -> bool:
    assert answer > 0 and answer <= MAX_ANSWER, "feed: answer out of range"
    assert observed_at <= block.timestamp, "feed: timestamp in the future"
    head: uint256 = self._head
    assert observed_at > head & _M40, "feed: timestamp not after latest"
    round_id: uint256 = (head >> _ROUND_SHIFT) & _M64
    max_dev: uint256 = (head >> _DEV_SHIFT) & _M16
    latest: uint256 = (head >> _ANSWER_SHIFT) & _M80

    if round_id != 0 and not self._within(answer, latest, max_dev):
        # Large move: publish only when a different reporter confirms an
        # open proposal, else (re)place the proposal.
        if head & _PENDING_BIT != 0:
            word: uint256 = self._pending
            proposed: uint256 = (word >> _ANSWER_SHIFT) & _M80
            proposer: address = self._pending_reporter
            if reporter != proposer and self._within(answer, proposed, max_dev):
                log LargeMoveConfirmed(
                    roundId=round_id + 1,
                    proposer=proposer,
                    confirmer=reporter,
                    proposed_answer=proposed,
                    answer=answer,
                )
                self._publish(head & ~_PENDING_BIT, round_id + 1, answer, observed_at, reporter)
                return True
        self._pending = observed_at | (answer << _ANSWER_SHIFT)
        self._pending_reporter = reporter
        self._head = head | _PENDING_BIT
        log LargeMoveProposed(reporter=reporter, answer=answer, observed_at=observed_at, latest_answer=latest)
        return False

    if head & _PENDING_BIT != 0:
        word: uint256 = self._pending
        log LargeMoveDiscarded(
            proposer=self._pending_reporter,
            answer=(word >> _ANSWER_SHIFT) & _M80,
            observed_at=word & _M40,
        )
        head &= ~_PENDING_BIT
    self._publish(head, round_id + 1, answer, observed_at, reporter)
    return True


@internal
def _publish(head: uint256, round_id: uint256, answer: uint256, observed_at: uint256, reporter: address):
    """
    @dev Write round `round_id` to the head and the ring buffer, emit the
         Chainlink round events. `head` carries the deviation and flags.
    """
    assert round_id <= _M64, "feed: round id overflow"
    half: uint256 = observed_at | (answer << _ANSWER_SHIFT)
    slot: uint256 = round_id % HISTORY
    offset: uint256 = (slot % 2) * _HALF
    word: uint256 = self._history[slot // 2]
    self._history[slot // 2] = (word & ~(_M128 << offset)) | (half << offset)
    self._head = (head & ~((_M64 << _ROUND_SHIFT) | (_M80 << _ANSWER_SHIFT) | _M40)) | (
        round_id << _ROUND_SHIFT
    ) | half
    log NewRound(roundId=round_id, startedBy=reporter, startedAt=observed_at)
    log AnswerUpdated(current=convert(answer, int256), roundId=round_id, updatedAt=observed_at)


@internal
@view
def _read_round(round_id: uint256) -> uint256:
    slot: uint256 = round_id % HISTORY
    return (self._history[slot // 2] >> ((slot % 2) * _HALF)) & _M128


@internal
@pure
def _within(answer: uint256, reference: uint256, max_dev_bps: uint256) -> bool:
    """
    @dev |answer - reference| <= reference * max_dev_bps / 10_000, exact
         (cross-multiplied, no rounding); answers < 2**80 cannot overflow.
    """
    diff: uint256 = 0
    if answer > reference:
        diff = answer - reference
    else:
        diff = reference - answer
    return diff * MAX_BPS <= reference * max_dev_bps
