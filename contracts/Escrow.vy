# pragma version ~=0.4.3
"""
@title bondline Escrow (primary-market funding round)
@license GNU Affero General Public License v3.0 only
@notice One funding round for one bond issue. Verified investors commit
        C_i and pay an initial share of it. Once those initial payments
        reach the activation threshold they pay the rest before the
        deadline. On success the funds go to the custodian and investors
        who paid in full claim bond tokens and an OG NFT. Otherwise
        everyone withdraws what they paid.
@custom:security
        - Phases form an explicit state machine (see `Phase`). The stored
          phase moves OPEN -> ACTIVE on activation, and OPEN/ACTIVE ->
          CANCELLED by the issuer. It moves to SUCCEEDED or FAILED when the
          outcome is recorded. `phase()` also applies what chain time has
          already decided, so a late keeper changes nothing.
        - Deadline boundary: the round is open while
          `block.timestamp < DEADLINE`. From `block.timestamp == DEADLINE` on
          it is closed, with no more commits, payments or cancel, and the
          outcome can be recorded. The deadline second itself belongs to the
          closed side, like the Whitelist expiry and BondToken record dates.
        - Over-commit rule, CAP: a commit that would push the committed
          total past the target is accepted for the remainder only. It
          returns and logs the accepted amount. The investor never pays more
          than the share of what they asked for.
          Why cap and not reject: (1) a rejecting round is easy to grief.
          One small commit landing just before a large one makes the large
          one revert, and racing investors waste transactions on the last
          slot. (2) The target can always be committed in full, even when
          the remainder is below the minimum ticket. The closing ticket that
          takes the whole remainder is exempt from the minimum.
          `fulfil` caps in the same way: it takes at most what is still owed.
        - Exact conversion: a commitment must be a multiple of `UNIT` =
          denomination / gcd(denomination, 10**18) stablecoin units (1 for
          any denomination that divides 10**18, e.g. 1,000 USDC). For a
          fulfilled investor, tokens = C_i * 10**18 / denomination is
          therefore an integer (no rounding). The tokens minted sum to
          exactly raised * 10**18 / denomination token wei.
        - The remaining rounding is tiny. Initial share = ceil(C *
          INITIAL_SHARE_BPS / 10_000): less than 1 unit above the exact share,
          never above C, and counted in P_i like any payment. Activation
          amount = ceil(T * ACTIVATION_BPS / 10_000). Rounding the initial
          share up can activate a round that is up to 10_000 /
          INITIAL_SHARE_BPS units per commit short of the exact threshold
          (9 micro-USDC per commit at 10%).
        - `settle` is permissionless once the outcome is decided, that is
          fully funded (raised == T) or `block.timestamp >= DEADLINE`. The
          outcome is then a pure function of on-chain state and time, and
          the caller chooses nothing: the custodian is immutable and the
          amount is `raised`. Anyone may call it, so no missing keeper or
          issuer can trap the money. Refunds after a failure do not even
          need `settle`: they record the failure lazily.
        - Settlement window: a success not settled by SETTLE_BY = DEADLINE +
          SETTLEMENT_WINDOW (30 days) becomes FAILED, and everyone can
          withdraw. This covers a `settle` that keeps reverting: custodian
          blacklisted by USDC, USDC paused for weeks, MINTER_ROLE never
          granted or revoked. Without it, fulfilled investors' money would be
          stuck. Only USDC's or the bond's administrators can make `settle`
          revert, and the result is refunds, so nobody gains by forcing it.
        - Pull-based: `claim` and `withdraw` serve the caller. The bounded
          `process_batch` (at most MAX_BATCH investors) lets a keeper, or
          anyone, serve many. It only ever pays an investor's own address,
          and it SKIPS with an event, and never reverts on, an investor
          whose payout fails (USDC blacklist, USDC pause, bond paused,
          investor blocked). That investor's position is left intact and
          withdrawable or claimable later. A skipped investor cannot block
          the others.
        - An investor blocked by the bondline Whitelist (sanctions) cannot
          commit, pay, withdraw or receive bonds while blocked. Their
          position is frozen, not lost.
        - Every function that moves tokens is `@nonreentrant` and follows
          checks-effects-interactions. In the batch, effects are written
          before the low-level call and rolled back only if that call
          failed; a failed call changed nothing.
        - No unbounded loops: the batch is capped at MAX_BATCH and the
          constructor's loops at 18 steps.
        - Assumes a standard stablecoin (no fee on transfer, no rebasing),
          like USDC. Stablecoin sent to this contract directly, outside
          `commit`/`fulfil`, belongs to nobody and is not tracked.
        - The Escrow must hold the bond's MINTER_ROLE (the deploy step
          grants it). `settle` checks this before any money leaves.
"""

# Glossary (units in brackets):
#   T         TARGET, the amount sought [stablecoin units]
#   C_i       investor i's commitment [stablecoin units], sum C_i <= T
#   P_i       what investor i has paid so far [stablecoin units], 0 < P_i <= C_i
#   fulfilled P_i == C_i
#   raised    sum of C_i over fulfilled investors [stablecoin units]: on
#             success this goes to the custodian and becomes bond tokens
#   bps       basis points, MAX_BPS = 10_000 = 100%
#   token wei 10**-18 bond token; 1 token (10**18 wei) = `denomination`
#             stablecoin units of face value

# ------------------------------------------------------------- interfaces --
from ethereum.ercs import IERC20
from interfaces import IBondToken
from interfaces import IOGNFT
from interfaces import IWhitelist

# ------------------------------------------------------------------ types --
# Phases (a Vyper flag: OPEN=1, ACTIVE=2, SUCCEEDED=4, FAILED=8, CANCELLED=16).
#   OPEN       taking commitments; initial payments below the activation amount
#   ACTIVE     activated: taking commitments and payments until the deadline
#   SUCCEEDED  raised == T, or at the deadline: activated and raised >= MIN_RAISE
#   FAILED     at the deadline: not activated, or raised < MIN_RAISE; or a
#              success not settled by SETTLE_BY (settlement window)
#   CANCELLED  the issuer cancelled before the outcome was decided
flag Phase:
    OPEN
    ACTIVE
    SUCCEEDED
    FAILED
    CANCELLED

struct Position:
    committed: uint256     # C_i [stablecoin units]
    paid: uint256          # P_i [stablecoin units]
    outstanding: uint256   # C_i - P_i [stablecoin units]
    fulfilled: bool        # C_i > 0 and P_i == C_i
    closed: bool           # bonds claimed or payments withdrawn
    withdrawable: uint256  # what `withdraw` would pay now [stablecoin units]
    claimable: uint256     # what `claim` would mint now [token wei]

struct Totals:
    committed: uint256     # sum C_i [stablecoin units]
    paid: uint256          # all payments received [stablecoin units]
    initial: uint256       # initial-share payments received [stablecoin units]
    raised: uint256        # sum C_i over fulfilled investors [stablecoin units]
    refunded: uint256      # paid back to investors [stablecoin units]
    to_custodian: uint256  # sent to the custodian at settlement [stablecoin units]
    claimed: uint256       # part of `raised` already minted as bonds [stablecoin units]
    held: uint256          # paid - refunded - to_custodian: what this contract holds [stablecoin units]
    investors: uint256     # number of distinct investors who committed

# -------------------------------------------------------------- constants --
MAX_BPS: constant(uint256) = 10_000
# Token wei per bond token (18 decimals).
TOKEN_UNIT: constant(uint256) = 10**18
# Round length when the deployer passes 0 (whitepaper: 90 days) [s].
DEFAULT_DURATION: public(constant(uint256)) = 90 * 86_400
MAX_DURATION: public(constant(uint256)) = 365 * 86_400
# Time after DEADLINE for a decided success to be settled; after it, an
# unsettled success counts as FAILED so that nothing stays stuck [s].
SETTLEMENT_WINDOW: public(constant(uint256)) = 30 * 86_400
# Investors served by one `process_batch` call (bounds the loop).
MAX_BATCH: public(constant(uint256)) = 50

# `_positions[investor]`, one word:
#   bits   0..119 committed C_i [stablecoin units]
#   bits 120..239 paid P_i [stablecoin units]
#   bit  240      closed (terminal): bonds claimed or payments withdrawn
# TARGET <= _AMOUNT_MASK, so neither field can overflow into the next.
_AMOUNT_MASK: constant(uint256) = 2**120 - 1
_PAID_SHIFT: constant(uint256) = 120
_CLOSED: constant(uint256) = 2**240

# ---------------------------------------------------------------- storage --
BOND: public(immutable(IBondToken))
STABLECOIN: public(immutable(IERC20))
WHITELIST: public(immutable(IWhitelist))
OG_NFT: public(immutable(IOGNFT))
CUSTODIAN: public(immutable(address))
ISSUER: public(immutable(address))

TARGET: public(immutable(uint256))             # stablecoin units
INITIAL_SHARE_BPS: public(immutable(uint256))  # bps of C_i paid at commit
ACTIVATION_BPS: public(immutable(uint256))     # bps of T
ACTIVATION_AMOUNT: public(immutable(uint256))  # stablecoin units of initial payments
MIN_TICKET: public(immutable(uint256))         # stablecoin units per investor
MIN_RAISE: public(immutable(uint256))          # stablecoin units
OPENED_AT: public(immutable(uint256))          # unix s
DEADLINE: public(immutable(uint256))           # unix s; closed from this second on
SETTLE_BY: public(immutable(uint256))          # unix s; DEADLINE + SETTLEMENT_WINDOW
DENOMINATION: public(immutable(uint256))       # stablecoin units per bond token
UNIT: public(immutable(uint256))               # commitment granularity, stablecoin units

_phase: Phase
activated_at: public(uint256)                  # unix s, 0 until activated

_committed_total: uint256
_paid_total: uint256
_initial_total: uint256
_raised: uint256
_refunded_total: uint256
_claimed_total: uint256
_investor_count: uint256

_positions: HashMap[address, uint256]

# ----------------------------------------------------------------- events --
event RoundOpened:
    bond: indexed(address)
    custodian: indexed(address)
    og_nft: address
    target: uint256
    min_raise: uint256
    activation_amount: uint256
    deadline: uint256

event Committed:
    investor: indexed(address)
    requested: uint256        # stablecoin units asked for
    accepted: uint256         # stablecoin units accepted (capped at the remainder)
    initial_payment: uint256  # stablecoin units paid now
    committed: uint256        # investor's C_i after this call

event Paid:
    investor: indexed(address)
    amount: uint256           # stablecoin units paid now
    paid: uint256             # investor's P_i after this call
    committed: uint256        # investor's C_i

event CommitmentFulfilled:
    investor: indexed(address)
    committed: uint256

event Activated:
    initial_total: uint256
    activation_amount: uint256

event TargetReached:
    raised: uint256

event RoundSucceeded:
    caller: indexed(address)
    custodian: indexed(address)
    raised: uint256           # stablecoin units sent to the custodian

event RoundFailed:
    caller: indexed(address)
    activated: bool
    raised: uint256
    min_raise: uint256

event RoundCancelled:
    issuer: indexed(address)
    reason: String[128]

event Claimed:
    investor: indexed(address)
    caller: indexed(address)
    amount: uint256           # stablecoin units converted (= C_i)
    tokens: uint256           # token wei minted
    og_token_id: uint256

event Withdrawn:
    investor: indexed(address)
    caller: indexed(address)
    amount: uint256           # stablecoin units paid back

event PositionSkipped:
    investor: indexed(address)
    amount: uint256           # stablecoin units left in the position
    reason: String[32]


# ------------------------------------------------------------ constructor --
@deploy
def __init__(
    bond_: IBondToken,
    stablecoin_: IERC20,
    custodian_: address,
    issuer_: address,
    target_: uint256,
    initial_share_bps_: uint256,
    activation_bps_: uint256,
    min_ticket_: uint256,
    duration_: uint256,
    min_raise_: uint256,
    og_blueprint_: address,
    og_name_: String[25],
    og_symbol_: String[5],
    og_base_uri_: String[80],
):
    """
    @notice Open the round now: DEADLINE = block.timestamp + duration.
    @param bond_ The BondToken this round issues (grant it MINTER_ROLE
           to this contract after deployment).
    @param stablecoin_ Payment token; must be the bond's `currency()`.
    @param custodian_ Receives the raised funds on success.
    @param issuer_ The only account that may cancel the round.
    @param target_ T [stablecoin units], a multiple of UNIT.
    @param initial_share_bps_ Share of C_i paid at commit, (0, 10_000] bps.
    @param activation_bps_ Activation threshold as bps of T, at most the
           initial share (the threshold must be reachable).
    @param min_ticket_ Minimum commitment per investor [stablecoin units].
    @param duration_ Round length [s], 0 = DEFAULT_DURATION (90 days).
    @param min_raise_ Minimum raised for success [stablecoin units], 0 = T.
    @param og_blueprint_ ERC-5202 blueprint of OGNFT. This contract
           deploys its own collection from it and is its sole minter.
    """
    assert bond_.address.is_contract, "escrow: bond is not a contract"
    assert stablecoin_.address.is_contract, "escrow: stablecoin is not a contract"
    assert og_blueprint_.is_contract, "escrow: OG NFT blueprint is not a contract"
    assert custodian_ != empty(address), "escrow: custodian is the zero address"
    assert issuer_ != empty(address), "escrow: issuer is the zero address"
    assert staticcall bond_.currency() == stablecoin_.address, "escrow: stablecoin is not the bond's currency"

    assert target_ > 0, "escrow: zero target"
    assert target_ <= _AMOUNT_MASK, "escrow: target out of range"
    assert initial_share_bps_ > 0 and initial_share_bps_ <= MAX_BPS, "escrow: initial share not in (0, 10000] bps"
    assert activation_bps_ > 0, "escrow: zero activation threshold"
    assert activation_bps_ <= initial_share_bps_, "escrow: activation threshold above the initial share"
    assert min_ticket_ > 0, "escrow: zero minimum ticket"
    assert min_ticket_ <= target_, "escrow: minimum ticket above target"
    duration: uint256 = duration_
    if duration == 0:
        duration = DEFAULT_DURATION
    assert duration <= MAX_DURATION, "escrow: duration above 365 days"
    min_raise: uint256 = min_raise_
    if min_raise == 0:
        min_raise = target_
    assert min_raise <= target_, "escrow: minimum raise above target"

    denomination: uint256 = staticcall bond_.denomination()
    assert denomination > 0, "escrow: zero bond denomination"
    # UNIT = denomination / gcd(denomination, 10**18), 10**18 = 2**18 * 5**18:
    # strip up to 18 factors of 2 and 18 factors of 5 from the denomination.
    # C_i a multiple of UNIT  <=>  C_i * 10**18 / denomination is an integer.
    unit: uint256 = denomination
    for _: uint256 in range(18):
        if unit % 2 != 0:
            break
        unit //= 2
    for _: uint256 in range(18):
        if unit % 5 != 0:
            break
        unit //= 5
    assert target_ % unit == 0, "escrow: target not a multiple of the commitment unit"
    # tokens at target = T * 10**18 / denomination [token wei] (exact, see UNIT)
    room: uint256 = staticcall bond_.issueVolume() - staticcall bond_.totalSupply()
    assert target_ * TOKEN_UNIT // denomination <= room, "escrow: target above the bond's unissued volume"

    deadline: uint256 = block.timestamp + duration
    # Bonds must be minted before the first record date, or their holders
    # would miss the first coupon (BondToken pays holders at t_1).
    first_coupon_ts: uint256 = 0
    first_coupon: uint256 = 0
    first_coupon_ts, first_coupon = staticcall bond_.coupon_period(1)
    assert deadline < first_coupon_ts, "escrow: deadline not before the first coupon date"

    BOND = bond_
    STABLECOIN = stablecoin_
    WHITELIST = IWhitelist(staticcall bond_.WHITELIST())
    CUSTODIAN = custodian_
    ISSUER = issuer_
    TARGET = target_
    INITIAL_SHARE_BPS = initial_share_bps_
    ACTIVATION_BPS = activation_bps_
    # activation amount = ceil(T * ACTIVATION_BPS / MAX_BPS) [stablecoin units]
    ACTIVATION_AMOUNT = (target_ * activation_bps_ + MAX_BPS - 1) // MAX_BPS
    MIN_TICKET = min_ticket_
    MIN_RAISE = min_raise
    OPENED_AT = block.timestamp
    DEADLINE = deadline
    SETTLE_BY = deadline + SETTLEMENT_WINDOW
    DENOMINATION = denomination
    UNIT = unit
    OG_NFT = IOGNFT(create_from_blueprint(og_blueprint_, og_name_, og_symbol_, og_base_uri_))

    self._phase = Phase.OPEN
    log RoundOpened(
        bond=bond_.address,
        custodian=custodian_,
        og_nft=OG_NFT.address,
        target=target_,
        min_raise=min_raise,
        activation_amount=ACTIVATION_AMOUNT,
        deadline=deadline,
    )


# ------------------------------------------------------ external: funding --
@external
@nonreentrant
def commit(amount: uint256) -> uint256:
    """
    @notice Commit to fund `amount` and pay its initial share now
            (approve the stablecoin for `initial_payment(amount)` first).
            Several commits add up. Over-commit rule: capped at what is
            left of the target (see the contract's security notes).
    @param amount Commitment asked for [stablecoin units], a multiple of UNIT.
    @return Commitment accepted [stablecoin units], at most `amount`.
    """
    assert block.timestamp < DEADLINE, "escrow: round closed"
    phase: Phase = self._phase
    assert phase in (Phase.OPEN | Phase.ACTIVE), "escrow: round closed"
    assert staticcall WHITELIST.is_verified(msg.sender), "escrow: investor not verified"
    assert amount > 0, "escrow: zero amount"
    assert amount % UNIT == 0, "escrow: amount not a multiple of the commitment unit"

    committed_total: uint256 = self._committed_total
    # remaining = T - sum C_i [stablecoin units], a multiple of UNIT
    remaining: uint256 = TARGET - committed_total
    assert remaining > 0, "escrow: target fully committed"
    accepted: uint256 = min(amount, remaining)

    word: uint256 = self._positions[msg.sender]
    committed: uint256 = word & _AMOUNT_MASK
    paid: uint256 = (word >> _PAID_SHIFT) & _AMOUNT_MASK
    new_committed: uint256 = committed + accepted
    # The closing ticket (the whole remainder) is exempt from the minimum,
    # so the target can always be committed in full.
    assert new_committed >= MIN_TICKET or accepted == remaining, "escrow: below the minimum ticket"
    # initial payment = ceil(accepted * INITIAL_SHARE_BPS / MAX_BPS) [stablecoin units];
    # 1 <= initial <= accepted because 0 < INITIAL_SHARE_BPS <= MAX_BPS.
    initial: uint256 = (accepted * INITIAL_SHARE_BPS + MAX_BPS - 1) // MAX_BPS
    new_paid: uint256 = paid + initial

    # raised = sum of C_i over fulfilled investors: a fulfilled investor
    # who commits more leaves it until they have paid the new C_i in full.
    raised: uint256 = self._raised
    if committed > 0 and paid == committed:
        raised -= committed
    if new_paid == new_committed:
        raised += new_committed

    if committed == 0:
        self._investor_count += 1
    self._positions[msg.sender] = new_committed | (new_paid << _PAID_SHIFT)
    self._committed_total = committed_total + accepted
    self._paid_total += initial
    initial_total: uint256 = self._initial_total + initial
    self._initial_total = initial_total
    self._raised = raised
    log Committed(investor=msg.sender, requested=amount, accepted=accepted, initial_payment=initial, committed=new_committed)
    if new_paid == new_committed:
        log CommitmentFulfilled(investor=msg.sender, committed=new_committed)
    if phase == Phase.OPEN and initial_total >= ACTIVATION_AMOUNT:
        self._phase = Phase.ACTIVE
        self.activated_at = block.timestamp
        log Activated(initial_total=initial_total, activation_amount=ACTIVATION_AMOUNT)
    if raised == TARGET:
        log TargetReached(raised=raised)

    assert extcall STABLECOIN.transferFrom(msg.sender, self, initial, default_return_value=True), "escrow: stablecoin transferFrom failed"
    return accepted


@external
@nonreentrant
def fulfil(amount: uint256) -> uint256:
    """
    @notice Pay towards the rest of your commitment (once the round is
            active, before the deadline). Capped at what you still owe.
    @param amount Stablecoin units offered.
    @return Stablecoin units taken, at most `amount`.
    """
    assert block.timestamp < DEADLINE, "escrow: round closed"
    assert self._phase == Phase.ACTIVE, "escrow: round not active"
    assert staticcall WHITELIST.is_verified(msg.sender), "escrow: investor not verified"
    assert amount > 0, "escrow: zero amount"

    word: uint256 = self._positions[msg.sender]
    committed: uint256 = word & _AMOUNT_MASK
    paid: uint256 = (word >> _PAID_SHIFT) & _AMOUNT_MASK
    assert committed > 0, "escrow: no commitment"
    # outstanding = C_i - P_i [stablecoin units]
    outstanding: uint256 = committed - paid
    assert outstanding > 0, "escrow: commitment already fulfilled"
    accepted: uint256 = min(amount, outstanding)
    paid += accepted

    self._positions[msg.sender] = committed | (paid << _PAID_SHIFT)
    self._paid_total += accepted
    log Paid(investor=msg.sender, amount=accepted, paid=paid, committed=committed)
    if paid == committed:
        raised: uint256 = self._raised + committed
        self._raised = raised
        log CommitmentFulfilled(investor=msg.sender, committed=committed)
        if raised == TARGET:
            log TargetReached(raised=raised)

    assert extcall STABLECOIN.transferFrom(msg.sender, self, accepted, default_return_value=True), "escrow: stablecoin transferFrom failed"
    return accepted


# --------------------------------------------------- external: settlement --
@external
@nonreentrant
def settle() -> Phase:
    """
    @notice Record the outcome once it is decided (fully funded, or chain
            time >= DEADLINE). On success, send `raised` to the custodian;
            a success must be settled before SETTLE_BY, after which the
            round counts as FAILED (see the settlement window).
    @dev Permissionless: the outcome follows from state and time only,
         and the caller picks neither the recipient nor the amount. Who
         calls it (keeper, issuer, investor) does not matter, and nobody's
         absence can hold the funds hostage.
    @return The recorded phase (SUCCEEDED or FAILED).
    """
    stored: Phase = self._phase
    assert stored in (Phase.OPEN | Phase.ACTIVE), "escrow: round already closed"
    outcome: Phase = self._outcome(stored)
    assert outcome in (Phase.SUCCEEDED | Phase.FAILED), "escrow: round not decided"
    if outcome == Phase.FAILED:
        self._record_failure()
        return outcome

    # Never let the money go before the bonds can be minted.
    assert staticcall BOND.hasRole(staticcall BOND.MINTER_ROLE(), self), "escrow: not a minter of the bond"
    raised: uint256 = self._raised
    self._phase = Phase.SUCCEEDED
    log RoundSucceeded(caller=msg.sender, custodian=CUSTODIAN, raised=raised)
    assert extcall STABLECOIN.transfer(CUSTODIAN, raised, default_return_value=True), "escrow: stablecoin transfer failed"
    return outcome


@external
@nonreentrant
def cancel(reason: String[128]):
    """
    @notice Issuer only: call the round off before its outcome is decided.
            Every investor can then withdraw everything they paid.
    @param reason Short public explanation (logged).
    """
    assert msg.sender == ISSUER, "escrow: caller is not the issuer"
    stored: Phase = self._phase
    assert stored in (Phase.OPEN | Phase.ACTIVE), "escrow: round already closed"
    assert self._outcome(stored) == stored, "escrow: outcome already decided"
    self._phase = Phase.CANCELLED
    log RoundCancelled(issuer=msg.sender, reason=reason)


# ------------------------------------------------ external: pull payouts --
@external
@nonreentrant
def claim() -> uint256:
    """
    @notice After a settled success, a fulfilled investor receives
            C_i * 10**18 / denomination token wei and one OG NFT.
    @dev KYC need not still be current (holding a bond needs only "not
         blocked"); the bond itself refuses to mint to a blocked account.
         Claim before the bond's first coupon date: coupons go to holders
         at each record date, and unclaimed bonds hold nothing yet.
    @return Token wei minted.
    """
    self._check_settled_success()
    word: uint256 = self._positions[msg.sender]
    assert word != 0, "escrow: no position"
    assert word & _CLOSED == 0, "escrow: position closed"
    committed: uint256 = word & _AMOUNT_MASK
    assert (word >> _PAID_SHIFT) & _AMOUNT_MASK == committed, "escrow: commitment not fulfilled"

    tokens: uint256 = self._claim_effects(msg.sender, word, committed)
    extcall BOND.mint(msg.sender, tokens)
    og_token_id: uint256 = extcall OG_NFT.mint(msg.sender)
    log Claimed(investor=msg.sender, caller=msg.sender, amount=committed, tokens=tokens, og_token_id=og_token_id)
    return tokens


@external
@nonreentrant
def withdraw() -> uint256:
    """
    @notice Take back everything you paid: after a failure or a cancel,
            or after a success if you did not fulfil your commitment.
    @return Stablecoin units paid back.
    """
    phase: Phase = self._sync()
    assert phase in (Phase.SUCCEEDED | Phase.FAILED | Phase.CANCELLED), "escrow: round not decided"
    word: uint256 = self._positions[msg.sender]
    assert word != 0, "escrow: no position"
    assert word & _CLOSED == 0, "escrow: position closed"
    amount: uint256 = self._withdrawable(word, phase)
    assert amount > 0, "escrow: commitment fulfilled, claim bonds"
    assert not staticcall WHITELIST.is_blocked(msg.sender), "escrow: investor blocked"

    self._positions[msg.sender] = word | _CLOSED
    self._refunded_total += amount
    log Withdrawn(investor=msg.sender, caller=msg.sender, amount=amount)
    assert extcall STABLECOIN.transfer(msg.sender, amount, default_return_value=True), "escrow: stablecoin transfer failed"
    return amount


@external
@nonreentrant
def process_batch(investors: DynArray[address, MAX_BATCH]) -> (uint256, uint256):
    """
    @notice Serve up to MAX_BATCH investors once the round is over. Each
            fulfilled investor of a settled success gets their bonds and
            OG NFT; everyone else gets their refund. Unknown or already
            closed positions (and duplicates) are passed over silently.
            A payout that fails is skipped with `PositionSkipped` and its
            position stays open for a later call.
    @dev Anyone may call: payouts only ever go to the investor's own address.
    @return (positions closed now, positions skipped because the payout failed)
    """
    phase: Phase = self._sync()
    assert phase in (Phase.SUCCEEDED | Phase.FAILED | Phase.CANCELLED), "escrow: round not decided"
    assert phase != Phase.SUCCEEDED or self._phase == Phase.SUCCEEDED, "escrow: round not settled"

    done: uint256 = 0
    skipped: uint256 = 0
    for investor: address in investors:
        word: uint256 = self._positions[investor]
        if word == 0 or word & _CLOSED != 0:
            continue
        committed: uint256 = word & _AMOUNT_MASK
        paid: uint256 = (word >> _PAID_SHIFT) & _AMOUNT_MASK
        ok: bool = False
        if phase == Phase.SUCCEEDED and paid == committed:
            ok = self._try_claim(investor, word, committed)
        else:
            ok = self._try_refund(investor, word, paid)
        if ok:
            done += 1
        else:
            skipped += 1
    return done, skipped


# ------------------------------------------------------------------- view --
@external
@view
def phase() -> Phase:
    """
    @notice The phase now, including what chain time has already decided
            (e.g. FAILED at the deadline before anyone calls `settle`).
    """
    return self._outcome(self._phase)


@external
@view
def settled() -> bool:
    """
    @notice True once the outcome is recorded (SUCCEEDED with the funds
            sent to the custodian, FAILED) or the round was cancelled.
    """
    return self._phase in (Phase.SUCCEEDED | Phase.FAILED | Phase.CANCELLED)


@external
@view
def time_left() -> uint256:
    """
    @return Seconds until DEADLINE (0 from the deadline on).
    """
    if block.timestamp >= DEADLINE:
        return 0
    return DEADLINE - block.timestamp


@external
@view
def remaining_commitment() -> uint256:
    """
    @return T - sum C_i: the most a commit can still be accepted for [stablecoin units].
    """
    return TARGET - self._committed_total


@external
@view
def initial_payment(amount: uint256) -> uint256:
    """
    @return ceil(amount * INITIAL_SHARE_BPS / MAX_BPS): what `commit(amount)`
            charges when `amount` is accepted in full [stablecoin units].
    """
    return (amount * INITIAL_SHARE_BPS + MAX_BPS - 1) // MAX_BPS


@external
@view
def tokens_for(amount: uint256) -> uint256:
    """
    @return amount * 10**18 / denomination: bond token wei for a fulfilled
            commitment of `amount` stablecoin units (exact for multiples of UNIT).
    """
    return amount * TOKEN_UNIT // DENOMINATION


@external
@view
def totals() -> Totals:
    """
    @notice Round-wide accounting (see `Totals` for units).
    """
    return self._totals()


@external
@view
def position(investor: address) -> Position:
    """
    @notice One investor's commitment, payments and what they can take now.
    """
    word: uint256 = self._positions[investor]
    committed: uint256 = word & _AMOUNT_MASK
    paid: uint256 = (word >> _PAID_SHIFT) & _AMOUNT_MASK
    stored: Phase = self._phase
    phase: Phase = self._outcome(stored)
    closed: bool = word & _CLOSED != 0
    fulfilled: bool = committed > 0 and paid == committed
    claimable: uint256 = 0
    if stored == Phase.SUCCEEDED and fulfilled and not closed:
        claimable = committed * TOKEN_UNIT // DENOMINATION
    return Position(
        committed=committed,
        paid=paid,
        outstanding=committed - paid,
        fulfilled=fulfilled,
        closed=closed,
        withdrawable=self._withdrawable(word, phase),
        claimable=claimable,
    )


# --------------------------------------------------------------- internal --
@internal
@view
def _outcome(stored: Phase) -> Phase:
    """
    @dev The phase that state and chain time imply. A round still OPEN or
         ACTIVE in storage is decided when fully funded (raised == T: every
         commitment is paid, nothing more can happen) or from DEADLINE on.
         Still unsettled at SETTLE_BY, it is FAILED whatever it raised.
    """
    if stored not in (Phase.OPEN | Phase.ACTIVE):
        return stored
    if block.timestamp >= SETTLE_BY:
        return Phase.FAILED
    raised: uint256 = self._raised
    if raised == TARGET:
        return Phase.SUCCEEDED
    if block.timestamp < DEADLINE:
        return stored
    if stored == Phase.ACTIVE and raised >= MIN_RAISE:
        return Phase.SUCCEEDED
    return Phase.FAILED


@internal
def _sync() -> Phase:
    """
    @dev Record a failure that chain time has decided (refunds need no
         `settle` call). A success is recorded only by `settle`, which
         also moves the funds.
    """
    stored: Phase = self._phase
    outcome: Phase = self._outcome(stored)
    if outcome == Phase.FAILED and stored != Phase.FAILED:
        self._record_failure()
    return outcome


@internal
def _record_failure():
    self._phase = Phase.FAILED
    log RoundFailed(caller=msg.sender, activated=self.activated_at != 0, raised=self._raised, min_raise=MIN_RAISE)


@internal
def _check_settled_success():
    stored: Phase = self._phase
    if stored == Phase.SUCCEEDED:
        return
    outcome: Phase = self._outcome(stored)
    assert outcome != Phase.SUCCEEDED, "escrow: round not settled"
    assert outcome not in (Phase.OPEN | Phase.ACTIVE), "escrow: round not decided"
    raise "escrow: round did not succeed"


@internal
@view
def _withdrawable(word: uint256, phase: Phase) -> uint256:
    """
    @dev Stablecoin units an investor may take back in `phase`: all of
         P_i after a failure or a cancel, and after a success only if
         they did not fulfil (fulfilled investors get bonds instead).
    """
    if word & _CLOSED != 0:
        return 0
    committed: uint256 = word & _AMOUNT_MASK
    paid: uint256 = (word >> _PAID_SHIFT) & _AMOUNT_MASK
    if phase in (Phase.FAILED | Phase.CANCELLED):
        return paid
    if phase == Phase.SUCCEEDED and paid < committed:
        return paid
    return 0


@internal
def _claim_effects(investor: address, word: uint256, committed: uint256) -> uint256:
    """
    @dev Close a fulfilled position for its bonds.
    @return tokens = C_i * 10**18 / denomination [token wei], exact
            because C_i is a multiple of UNIT (C_i < 2**120, no overflow).
    """
    self._positions[investor] = word | _CLOSED
    self._claimed_total += committed
    return committed * TOKEN_UNIT // DENOMINATION


@internal
def _try_claim(investor: address, word: uint256, committed: uint256) -> bool:
    """
    @dev Batch claim: mint through a low-level call that may fail (bond
         paused, investor blocked, matured) without reverting the batch.
         Effects first; rolled back if the mint failed.
    """
    tokens: uint256 = self._claim_effects(investor, word, committed)
    success: bool = raw_call(
        BOND.address,
        abi_encode(investor, tokens, method_id=method_id("mint(address,uint256)")),
        revert_on_failure=False,
    )
    if not success:
        self._positions[investor] = word
        self._claimed_total -= committed
        log PositionSkipped(investor=investor, amount=committed, reason="bond mint failed")
        return False
    # OGNFT.mint cannot fail for a non-zero address (no receiver callback).
    og_token_id: uint256 = extcall OG_NFT.mint(investor)
    log Claimed(investor=investor, caller=msg.sender, amount=committed, tokens=tokens, og_token_id=og_token_id)
    return True


@internal
def _try_refund(investor: address, word: uint256, amount: uint256) -> bool:
    """
    @dev Batch refund: pay through a low-level call whose failure (USDC
         blacklist or pause) does not revert the batch. Accepts tokens
         that return nothing or `true`. Effects first; rolled back if
         the transfer failed.
    """
    if staticcall WHITELIST.is_blocked(investor):
        log PositionSkipped(investor=investor, amount=amount, reason="investor blocked")
        return False
    self._positions[investor] = word | _CLOSED
    self._refunded_total += amount
    success: bool = False
    response: Bytes[32] = b""
    success, response = raw_call(
        STABLECOIN.address,
        abi_encode(investor, amount, method_id=method_id("transfer(address,uint256)")),
        max_outsize=32,
        revert_on_failure=False,
    )
    if success and (len(response) == 0 or convert(response, bool)):
        log Withdrawn(investor=investor, caller=msg.sender, amount=amount)
        return True
    self._positions[investor] = word
    self._refunded_total -= amount
    log PositionSkipped(investor=investor, amount=amount, reason="stablecoin transfer failed")
    return False


@internal
@view
def _totals() -> Totals:
    paid: uint256 = self._paid_total
    refunded: uint256 = self._refunded_total
    to_custodian: uint256 = 0
    if self._phase == Phase.SUCCEEDED:
        to_custodian = self._raised
    return Totals(
        committed=self._committed_total,
        paid=paid,
        initial=self._initial_total,
        raised=self._raised,
        refunded=refunded,
        to_custodian=to_custodian,
        claimed=self._claimed_total,
        held=paid - refunded - to_custodian,
        investors=self._investor_count,
    )
