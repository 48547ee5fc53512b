# pragma version ~=0.4.3
"""
@title bondline BondToken
@license GNU Affero General Public License v3.0 only
@notice One tokenized bond: an ERC-20 (+ EIP-2612 permit) where 1 token
        (1e18 wei) is `denomination` face value in the stablecoin. Coupons
        go to whoever held the tokens at each coupon date (record date =
        coupon date), are funded by the paying agent (fully or pro rata)
        and pulled by verified holders; at maturity verified holders burn
        tokens for face value (or a pro-rata recovery in default).
@custom:security
        - Record date: the coupon of period k belongs to the balances held
          after the last block with timestamp < t_k ("ex-coupon" from t_k
          on, consistent with accrued interest restarting at t_k). No
          action after t_k (transfer, funding, claim) can change it.
        - No loop over holders. Each account keeps its current share
          balance and the record window it was last touched in, plus a
          short history of (shares, window) written at most once per
          coupon period per account; the supply at each record date is
          snapshotted lazily by the first state change at or after t_k
          (nothing can change the supply in between, because every supply
          change rolls the snapshots first).
        - Balances are `shares * scale / WAD`. `scale` starts at WAD and is
          reserved for the sovereign debt conversion (a later contract),
          which retires a fraction alpha of every balance by lowering
          `scale` in O(1). Coupon pro-rata shares are computed on shares,
          so a scale change never rewrites a recorded entitlement.
        - Coupon entitlement of a holder for period k is
          floor(shares_k * funded_k / total_shares_k). Sum over holders
          <= funded_k: the contract never pays more than it was funded;
          the rounding dust (< 1 stablecoin unit per holder per period)
          stays in the contract and is never credited to anyone.
        - Checks-effects-interactions and `@nonreentrant` on every
          function that moves the stablecoin.
"""

# ------------------------------------------------------------- interfaces --
from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed
from interfaces import IWhitelist

implements: IERC20
implements: IERC20Detailed

# ---------------------------------------------------------------- modules --
from snekmate.auth import ownable
from snekmate.auth import access_control
from snekmate.tokens import erc20

# `erc20` gives allowances, approve, EIP-2612 permit and EIP-712 metadata.
# Balances are NOT kept in erc20.balanceOf: they live in the packed
# `_accounts` words below (one SLOAD per account per transfer, record-date
# checkpoints and the conversion scale), so erc20's transfer/mint/burn and
# its balanceOf/totalSupply getters are deliberately not exported.
initializes: ownable
initializes: erc20[ownable := ownable]
initializes: access_control

exports: (
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.allowance,
    erc20.approve,
    erc20.permit,
    erc20.nonces,
    erc20.DOMAIN_SEPARATOR,
    erc20.eip712Domain,
    access_control.supportsInterface,
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
)

# -------------------------------------------------------------- constants --
MINTER_ROLE: public(constant(bytes32)) = keccak256("MINTER_ROLE")
PAYING_AGENT_ROLE: public(constant(bytes32)) = keccak256("PAYING_AGENT_ROLE")
PAUSER_ROLE: public(constant(bytes32)) = keccak256("PAUSER_ROLE")
# The sovereign debt-conversion contract (TSDCM) of this bond, if any.
CONVERTER_ROLE: public(constant(bytes32)) = keccak256("CONVERTER_ROLE")

WAD: constant(uint256) = 10**18
# One bond token is 10**18 wei (18 decimals).
TOKEN_UNIT: constant(uint256) = 10**18
MAX_BPS: constant(uint256) = 10_000
# Coupon periods per bond: bounded by the 128-bit per-account claim bitmap
# (e.g. 32 years semi-annual, 10 years monthly).
MAX_PERIODS: public(constant(uint256)) = 128

_M32: constant(uint256) = 2**32 - 1
_M64: constant(uint256) = 2**64 - 1
_M128: constant(uint256) = 2**128 - 1

# `_state`, one word read by every transfer:
#   bit  0        paused
#   bit  1        converted: the one-off debt conversion has retired a fraction
#   bits 8..39    recorded: number of coupon record dates snapshotted
#   bits 40..103  next_record_ts: t_{recorded+1} (unix s), 2**64-1 when none left
#   bits 128..255 scale (WAD): balance = shares * scale / WAD
_PAUSED: constant(uint256) = 1
_CONVERTED: constant(uint256) = 2
_RECORDED_SHIFT: constant(uint256) = 8
_NEXT_TS_SHIFT: constant(uint256) = 40
_SCALE_SHIFT: constant(uint256) = 128

# `_accounts[a]`:
#   bits 0..127   shares
#   bits 128..159 window: value of `recorded` when the shares were last set
#   bits 160..191 history length
#   bit  192      conversion settled: the account's retired amount has been
#                 written to `_retired` (or it held nothing at conversion)
#   bits 193..255 reserved
# `_history[a][i]`: bits 0..127 shares, bits 128..159 window, i.e. the
#   shares set in `window` and held at records window+1 .. next entry's window.
_WINDOW_SHIFT: constant(uint256) = 128
_HIST_SHIFT: constant(uint256) = 160
_SETTLED: constant(uint256) = 2**192

# ---------------------------------------------------------------- storage --
WHITELIST: public(immutable(IWhitelist))
STABLECOIN: public(immutable(IERC20))

# ERC-7092-style terms.
isin: public(immutable(String[12]))
issuer: public(immutable(address))
denomination: public(immutable(uint256))      # stablecoin units per token
issueVolume: public(immutable(uint256))       # max supply, token wei
couponRate: public(immutable(uint256))        # bps per year
couponFrequency: public(immutable(uint256))   # coupons per year
issueDate: public(immutable(uint256))         # unix s
maturityDate: public(immutable(uint256))      # unix s, = last coupon date
dayCountBasis: public(immutable(uint8))       # analytics.bond_math.DayCount code
periodCount: public(immutable(uint256))

_state: uint256
_total_shares: uint256
_accounts: HashMap[address, uint256]
_history: HashMap[address, HashMap[uint256, uint256]]

# Coupon schedule, period k = 1..periodCount:
#   bits 0..63 record/payment date t_k (unix s), bits 64..255 coupon per token (stablecoin units)
_terms: HashMap[uint256, uint256]
# Snapshot at record k: total shares.
_record_shares: HashMap[uint256, uint256]
# Funding of period k: bits 0..127 funded, bits 128..255 due (stablecoin units).
_record_funding: HashMap[uint256, uint256]

# Per account claim bitmap: bit k-1 = period k settled (claimed in full at
# complete funding or zero entitlement); bit 128+k-1 = partial payment
# recorded in `_partial_paid`.
_claim_bits: HashMap[address, uint256]
_partial_paid: HashMap[address, HashMap[uint256, uint256]]

# Redemption: bits 0..127 funded, bits 128..255 due (stablecoin units);
# supply at maturity (token wei) is the pro-rata base.
_redemption: uint256
redemptionSupply: public(uint256)
# Per account: bits 0..127 tokens burned for redemption, bits 128..255 paid.
_redeemed: HashMap[address, uint256]

defaulted: public(bool)

# Debt conversion (TSDCM): scale before the retirement (WAD), its time, and
# each settled account's retired amount (token wei at the pre-conversion scale).
conversionScaleBefore: public(uint256)
conversionTime: public(uint256)
_retired: HashMap[address, uint256]
# Lifetime totals (stablecoin units), for conservation checks.
totalCouponFunded: public(uint256)
totalCouponPaid: public(uint256)

# ----------------------------------------------------------------- events --
event CouponRecorded:
    period: indexed(uint256)
    record_ts: uint256
    total_shares: uint256
    supply: uint256
    due: uint256

event CouponFunded:
    period: indexed(uint256)
    agent: indexed(address)
    amount: uint256
    funded: uint256
    due: uint256

event CouponsClaimed:
    holder: indexed(address)
    first_period: uint256
    last_period: uint256
    amount: uint256

event RedemptionFunded:
    agent: indexed(address)
    amount: uint256
    funded: uint256
    due: uint256

event Redeemed:
    holder: indexed(address)
    burned: uint256
    paid: uint256

event DefaultDeclared:
    trustee: indexed(address)
    reason: String[128]

event DefaultCured:
    trustee: indexed(address)

event FractionRetired:
    converter: indexed(address)
    alpha: uint256
    scale_before: uint256
    scale_after: uint256
    supply_before: uint256
    supply_after: uint256

event Paused:
    account: address

event Unpaused:
    account: address


# ------------------------------------------------------------ constructor --
@deploy
def __init__(
    name_: String[25],
    symbol_: String[5],
    isin_: String[12],
    issuer_: address,
    stablecoin_: IERC20,
    whitelist_: IWhitelist,
    denomination_: uint256,
    issue_volume_: uint256,
    coupon_rate_bps_: uint256,
    coupon_frequency_: uint256,
    issue_date_: uint256,
    day_count_: uint8,
    coupon_dates_: DynArray[uint256, MAX_PERIODS],
    coupon_amounts_: DynArray[uint256, MAX_PERIODS],
    admin_: address,
):
    """
    @notice The schedule (dates and coupon per token for each period) is
            computed off-chain by analytics.bond_math and checked here.
    @param denomination_ Face value of one token in stablecoin units.
    @param issue_volume_ Maximum supply in token wei (1 token = 10**18).
    @param coupon_dates_ t_1 < ... < t_n (unix s); t_n is the maturity date.
    @param coupon_amounts_ Coupon per token for each period (stablecoin units).
    @param admin_ Receives DEFAULT_ADMIN_ROLE (trustee); the deployer keeps nothing.
    """
    assert issuer_ != empty(address), "bond: issuer is the zero address"
    assert stablecoin_.address != empty(address), "bond: stablecoin is the zero address"
    assert whitelist_.address != empty(address), "bond: whitelist is the zero address"
    assert admin_ != empty(address), "bond: admin is the zero address"
    assert denomination_ > 0, "bond: zero denomination"
    assert issue_volume_ > 0 and issue_volume_ <= _M128, "bond: issue volume out of range"
    assert coupon_rate_bps_ <= MAX_BPS, "bond: coupon rate above 100%"
    assert coupon_frequency_ in [1, 2, 4, 12], "bond: frequency not 1, 2, 4 or 12"
    assert day_count_ <= 3, "bond: unknown day-count code"
    n: uint256 = len(coupon_dates_)
    assert n > 0, "bond: empty coupon schedule"
    assert len(coupon_amounts_) == n, "bond: schedule length mismatch"

    previous: uint256 = issue_date_
    for k: uint256 in range(n, bound=MAX_PERIODS):
        t: uint256 = coupon_dates_[k]
        c: uint256 = coupon_amounts_[k]
        assert t > previous, "bond: coupon dates not increasing after issue"
        assert t <= _M64, "bond: coupon date out of range"
        assert c <= denomination_, "bond: coupon above denomination"
        self._terms[k + 1] = t | (c << 64)
        previous = t

    ownable.__init__()
    # erc20's constructor also marks the deployer in its own (unused)
    # `is_minter` map; minting here is gated by MINTER_ROLE only.
    erc20.__init__(name_, symbol_, 18, name_, "1")
    access_control.__init__()
    if admin_ != msg.sender:
        access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, admin_)
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)

    WHITELIST = whitelist_
    STABLECOIN = stablecoin_
    isin = isin_
    issuer = issuer_
    denomination = denomination_
    issueVolume = issue_volume_
    couponRate = coupon_rate_bps_
    couponFrequency = coupon_frequency_
    issueDate = issue_date_
    maturityDate = coupon_dates_[n - 1]
    dayCountBasis = day_count_
    periodCount = n

    self._state = (WAD << _SCALE_SHIFT) | (coupon_dates_[0] << _NEXT_TS_SHIFT)


# ------------------------------------------------------- external: ERC-20 --
@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Move `amount` (token wei). Blocked when paused or when either
            party is blacklisted; KYC is not needed to hold or transfer.
    """
    self._transfer(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice Move `amount` of `owner`'s tokens on an allowance. A blacklisted
            spender cannot act as an operator either.
    """
    self._transfer(owner, to, amount)
    if msg.sender != owner:
        assert not staticcall WHITELIST.is_blocked(msg.sender), "bond: account blocked"
    erc20._spend_allowance(owner, msg.sender, amount)
    return True


# ------------------------------------------------------ external: issuance --
@external
def mint(to: address, amount: uint256):
    """
    @notice Create tokens (the primary-market escrow only).
    """
    access_control._check_role(MINTER_ROLE, msg.sender)
    assert to != empty(address), "bond: mint to the zero address"
    assert amount > 0, "bond: zero amount"
    assert block.timestamp < maturityDate, "bond: matured"
    state: uint256 = self._state
    assert state & _PAUSED == 0, "bond: paused"
    assert not staticcall WHITELIST.is_blocked(to), "bond: account blocked"
    state = self._roll(state)
    shares: uint256 = self._to_shares_up(amount, state)
    total: uint256 = self._total_shares + shares
    assert total * (state >> _SCALE_SHIFT) // WAD <= issueVolume, "bond: issue volume exceeded"
    self._total_shares = total
    self._credit(to, shares, (state >> _RECORDED_SHIFT) & _M32, state)
    log IERC20.Transfer(sender=empty(address), receiver=to, value=amount)


# ------------------------------------------------------- external: coupons --
@external
def roll():
    """
    @notice Snapshot every coupon record date that chain time has passed.
    @dev Anyone may call: it only records what is already due; transfers,
         funding and claims do the same lazily.
    """
    self._roll(self._state)


@external
@nonreentrant
def fund_coupon(period: uint256, amount: uint256):
    """
    @notice Deposit `amount` stablecoin units for coupon `period`. Partial
            funding is paid pro rata; later top-ups add to it, up to `due`.
    """
    access_control._check_role(PAYING_AGENT_ROLE, msg.sender)
    assert amount > 0, "bond: zero amount"
    state: uint256 = self._roll(self._state)
    assert period >= 1 and period <= (state >> _RECORDED_SHIFT) & _M32, "bond: period not recorded yet"
    word: uint256 = self._record_funding[period]
    funded: uint256 = (word & _M128) + amount
    due: uint256 = word >> 128
    assert funded <= due, "bond: funding exceeds coupon due"
    self._record_funding[period] = funded | (due << 128)
    self.totalCouponFunded += amount
    log CouponFunded(period=period, agent=msg.sender, amount=amount, funded=funded, due=due)
    assert extcall STABLECOIN.transferFrom(msg.sender, self, amount), "bond: stablecoin transferFrom failed"


@external
@nonreentrant
def claim_coupons(first_period: uint256, last_period: uint256) -> uint256:
    """
    @notice Pull the coupons of periods first..last (inclusive) owed to the
            caller, at whatever level each period is funded now. Periods
            already settled or not funded yet are skipped; a period claimed
            while partially funded can be claimed again after a top-up.
    @return Stablecoin units paid.
    """
    assert staticcall WHITELIST.is_verified(msg.sender), "bond: holder not verified"
    state: uint256 = self._roll(self._state)
    assert state & _PAUSED == 0, "bond: paused"
    assert first_period >= 1 and first_period <= last_period, "bond: bad period range"
    assert last_period <= (state >> _RECORDED_SHIFT) & _M32, "bond: period not recorded yet"

    bits: uint256 = self._claim_bits[msg.sender]
    total: uint256 = 0
    for k: uint256 in range(first_period, last_period + 1, bound=MAX_PERIODS):
        settled_bit: uint256 = 1 << (k - 1)
        if bits & settled_bit != 0:
            continue
        word: uint256 = self._record_funding[k]
        funded: uint256 = word & _M128
        if funded == 0:
            continue
        # entitlement = shares at record k * funded_k / total shares at record k
        shares: uint256 = self._shares_at_record(msg.sender, k)
        if shares == 0:
            bits |= settled_bit
            continue
        entitled: uint256 = shares * funded // self._record_shares[k]
        paid: uint256 = 0
        partial_bit: uint256 = settled_bit << 128
        if bits & partial_bit != 0:
            paid = self._partial_paid[msg.sender][k]
        if funded >= word >> 128:
            bits |= settled_bit
        elif entitled > paid:
            self._partial_paid[msg.sender][k] = entitled
            bits |= partial_bit
        # entitled >= paid: funded_k never decreases.
        total += entitled - paid

    assert total > 0, "bond: nothing to claim"
    self._claim_bits[msg.sender] = bits
    self.totalCouponPaid += total
    log CouponsClaimed(holder=msg.sender, first_period=first_period, last_period=last_period, amount=total)
    assert extcall STABLECOIN.transfer(msg.sender, total), "bond: stablecoin transfer failed"
    return total


# ---------------------------------------------------- external: redemption --
@external
@nonreentrant
def fund_redemption(amount: uint256):
    """
    @notice Deposit principal for redemption (after maturity). Partial
            funding gives a pro-rata recovery; top-ups add to it.
    """
    access_control._check_role(PAYING_AGENT_ROLE, msg.sender)
    assert amount > 0, "bond: zero amount"
    assert block.timestamp >= maturityDate, "bond: not matured"
    self._roll(self._state)
    word: uint256 = self._redemption
    funded: uint256 = (word & _M128) + amount
    due: uint256 = word >> 128
    assert funded <= due, "bond: funding exceeds principal due"
    self._redemption = funded | (due << 128)
    log RedemptionFunded(agent=msg.sender, amount=amount, funded=funded, due=due)
    assert extcall STABLECOIN.transferFrom(msg.sender, self, amount), "bond: stablecoin transferFrom failed"


@external
@nonreentrant
def redeem(amount: uint256) -> uint256:
    """
    @notice Burn `amount` token wei (may be 0) and receive face value, or
            the pro-rata share of a partially funded redemption pool. Tokens
            burned earlier keep their claim on later top-ups.
    @return Stablecoin units paid now.
    """
    assert staticcall WHITELIST.is_verified(msg.sender), "bond: holder not verified"
    assert block.timestamp >= maturityDate, "bond: not matured"
    state: uint256 = self._roll(self._state)
    assert state & _PAUSED == 0, "bond: paused"
    word: uint256 = self._redemption
    funded: uint256 = word & _M128
    assert funded > 0, "bond: redemption not funded"

    record: uint256 = self._redeemed[msg.sender]
    burned: uint256 = record & _M128
    if amount > 0:
        shares: uint256 = self._to_shares_up(amount, state)
        self._debit(msg.sender, shares, (state >> _RECORDED_SHIFT) & _M32, state)
        self._total_shares -= shares
        burned += amount
        log IERC20.Transfer(sender=msg.sender, receiver=empty(address), value=amount)

    # entitlement = burned * funded / supply at maturity, capped at face value
    entitled: uint256 = burned * funded // self.redemptionSupply
    entitled = min(entitled, burned * denomination // TOKEN_UNIT)
    paid: uint256 = record >> 128
    payout: uint256 = entitled - paid
    assert payout > 0, "bond: nothing to redeem"
    self._redeemed[msg.sender] = burned | (entitled << 128)
    log Redeemed(holder=msg.sender, burned=amount, paid=payout)
    assert extcall STABLECOIN.transfer(msg.sender, payout), "bond: stablecoin transfer failed"
    return payout


# ---------------------------------------------- external: debt conversion --
@external
def retire_fraction(alpha: uint256) -> uint256:
    """
    @notice Retire the fraction `alpha` (WAD) of every holder's balance, in
            O(1): scale := scale * (1 - alpha). One-off. Each holder's retired
            amount is available from `retired_of` (lazily settled on the
            holder's next balance change) for the performance-linked tokens.
    @dev Record dates already passed are snapshotted first, so coupons
         accrued before the conversion keep the pre-conversion supply; the
         retired part stops earning from the next record date.
    @return Total retired, token wei.
    """
    access_control._check_role(CONVERTER_ROLE, msg.sender)
    assert alpha > 0 and alpha < WAD, "bond: alpha outside (0, 1)"
    assert block.timestamp < maturityDate, "bond: matured"
    state: uint256 = self._roll(self._state)
    assert state & _CONVERTED == 0, "bond: already converted"
    scale_before: uint256 = state >> _SCALE_SHIFT
    # scale_after = scale_before * (1 - alpha), WAD
    scale_after: uint256 = scale_before * (WAD - alpha) // WAD
    assert scale_after > 0, "bond: scale underflow"
    total: uint256 = self._total_shares
    supply_before: uint256 = total * scale_before // WAD
    supply_after: uint256 = total * scale_after // WAD
    self.conversionScaleBefore = scale_before
    self.conversionTime = block.timestamp
    self._state = (state & (2**_SCALE_SHIFT - 1)) | _CONVERTED | (scale_after << _SCALE_SHIFT)
    log FractionRetired(converter=msg.sender, alpha=alpha, scale_before=scale_before, scale_after=scale_after, supply_before=supply_before, supply_after=supply_after)
    return supply_before - supply_after


# ------------------------------------------------------ external: trustee --
@external
def declare_default(reason: String[128]):
    """
    @notice Flag the bond as in default / impaired (visible on-chain).
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert not self.defaulted, "bond: already in default"
    self.defaulted = True
    log DefaultDeclared(trustee=msg.sender, reason=reason)


@external
def cure_default():
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert self.defaulted, "bond: not in default"
    self.defaulted = False
    log DefaultCured(trustee=msg.sender)


@external
def pause():
    access_control._check_role(PAUSER_ROLE, msg.sender)
    state: uint256 = self._state
    assert state & _PAUSED == 0, "bond: paused"
    self._state = state | _PAUSED
    log Paused(account=msg.sender)


@external
def unpause():
    access_control._check_role(PAUSER_ROLE, msg.sender)
    state: uint256 = self._state
    assert state & _PAUSED != 0, "bond: not paused"
    self._state = state & ~_PAUSED
    log Unpaused(account=msg.sender)


# ------------------------------------------------------------------- view --
@external
@view
def balanceOf(account: address) -> uint256:
    return (self._accounts[account] & _M128) * (self._state >> _SCALE_SHIFT) // WAD


@external
@view
def totalSupply() -> uint256:
    return self._total_shares * (self._state >> _SCALE_SHIFT) // WAD


@external
@view
def paused() -> bool:
    return self._state & _PAUSED != 0


@external
@view
def currency() -> address:
    """
    @notice ERC-7092: the payment currency (stablecoin).
    """
    return STABLECOIN.address


@external
@view
def principalOf(account: address) -> uint256:
    """
    @notice ERC-7092: face value held by `account`, stablecoin units.
    """
    return (self._accounts[account] & _M128) * (self._state >> _SCALE_SHIFT) // WAD * denomination // TOKEN_UNIT


@external
@view
def scale() -> uint256:
    """
    @notice Balance multiplier (WAD); 1e18 until a debt conversion retires a fraction.
    """
    return self._state >> _SCALE_SHIFT


@external
@view
def shares_of(account: address) -> uint256:
    return self._accounts[account] & _M128


@external
@view
def converted() -> bool:
    return self._state & _CONVERTED != 0


@external
@view
def retired_of(account: address) -> uint256:
    """
    @notice Token wei of `account`'s balance retired by the debt conversion:
            floor(shares at conversion * (scale_before - scale_after) / WAD).
            Zero before any conversion. The sum over holders never exceeds
            the total retired (floor per holder).
    """
    state: uint256 = self._state
    if state & _CONVERTED == 0:
        return 0
    word: uint256 = self._accounts[account]
    if word & _SETTLED != 0:
        return self._retired[account]
    # Untouched since the conversion: its shares are those it held then.
    return (word & _M128) * (self.conversionScaleBefore - (state >> _SCALE_SHIFT)) // WAD


@external
@view
def coupon_period(period: uint256) -> (uint256, uint256):
    """
    @return (record/payment date t_k [unix s], coupon per token [stablecoin units])
    """
    assert period >= 1 and period <= periodCount, "bond: no such period"
    word: uint256 = self._terms[period]
    return (word & _M64, word >> 64)


@external
@view
def recorded_periods() -> uint256:
    """
    @notice Record dates snapshotted so far (a pending roll is not included;
            see `due_periods` for what chain time says).
    """
    return (self._state >> _RECORDED_SHIFT) & _M32


@external
@view
def due_periods() -> uint256:
    """
    @notice Number of coupon dates t_k <= block.timestamp (chain time).
    """
    count: uint256 = (self._state >> _RECORDED_SHIFT) & _M32
    for k: uint256 in range(count + 1, periodCount + 1, bound=MAX_PERIODS):
        if self._terms[k] & _M64 > block.timestamp:
            break
        count = k
    return count


@external
@view
def coupon_record(period: uint256) -> (uint256, uint256, uint256):
    """
    @return (total shares at record, due [stablecoin units], funded [stablecoin units]);
            zeros until the record is snapshotted.
    """
    word: uint256 = self._record_funding[period]
    return (self._record_shares[period], word >> 128, word & _M128)


@external
@view
def shares_at_record(account: address, period: uint256) -> uint256:
    assert period >= 1 and period <= periodCount, "bond: no such period"
    return self._shares_at_record(account, period)


@external
@view
def claimable_coupons(account: address, first_period: uint256, last_period: uint256) -> uint256:
    """
    @notice What `claim_coupons(first, last)` would pay `account` now, over
            recorded periods (ignores verification and pause).
    """
    recorded: uint256 = (self._state >> _RECORDED_SHIFT) & _M32
    bits: uint256 = self._claim_bits[account]
    total: uint256 = 0
    last: uint256 = min(last_period, recorded)
    if first_period == 0 or first_period > last:
        return 0
    for k: uint256 in range(first_period, last + 1, bound=MAX_PERIODS):
        if bits & (1 << (k - 1)) != 0:
            continue
        funded: uint256 = self._record_funding[k] & _M128
        if funded == 0:
            continue
        entitled: uint256 = self._shares_at_record(account, k) * funded // self._record_shares[k]
        paid: uint256 = 0
        if bits & (1 << (k + 127)) != 0:
            paid = self._partial_paid[account][k]
        total += entitled - paid
    return total


@external
@view
def redemption_state() -> (uint256, uint256, uint256):
    """
    @return (due, funded [stablecoin units], supply at maturity [token wei])
    """
    word: uint256 = self._redemption
    return (word >> 128, word & _M128, self.redemptionSupply)


@external
@view
def redemption_of(account: address) -> (uint256, uint256):
    """
    @return (token wei burned for redemption, stablecoin units paid so far)
    """
    record: uint256 = self._redeemed[account]
    return (record & _M128, record >> 128)


# --------------------------------------------------------------- internal --
@internal
def _transfer(owner: address, to: address, amount: uint256):
    assert to != empty(address), "bond: transfer to the zero address"
    state: uint256 = self._state
    assert state & _PAUSED == 0, "bond: paused"
    assert staticcall WHITELIST.are_unblocked(owner, to), "bond: account blocked"
    if block.timestamp >= (state >> _NEXT_TS_SHIFT) & _M64:
        state = self._roll(state)
    window: uint256 = (state >> _RECORDED_SHIFT) & _M32
    shares: uint256 = self._to_shares_up(amount, state)
    self._debit(owner, shares, window, state)
    self._credit(to, shares, window, state)
    log IERC20.Transfer(sender=owner, receiver=to, value=amount)


@internal
@pure
def _to_shares_up(amount: uint256, state: uint256) -> uint256:
    # shares = ceil(amount * WAD / scale); exact while scale == WAD.
    scale_: uint256 = state >> _SCALE_SHIFT
    if scale_ == WAD:
        return amount
    return (amount * WAD + scale_ - 1) // scale_


@internal
def _debit(account: address, shares: uint256, window: uint256, state: uint256):
    word: uint256 = self._accounts[account]
    assert word & _M128 >= shares, "bond: amount exceeds balance"
    if state & _CONVERTED != 0 and word & _SETTLED == 0:
        word = self._settle_conversion(account, word, state)
    if (word >> _WINDOW_SHIFT) & _M32 != window:
        word = self._checkpoint(account, word, window)
    # shares <= balance (checked above), so the low field cannot borrow.
    self._accounts[account] = unsafe_sub(word, shares)


@internal
def _credit(account: address, shares: uint256, window: uint256, state: uint256):
    word: uint256 = self._accounts[account]
    if state & _CONVERTED != 0 and word & _SETTLED == 0:
        word = self._settle_conversion(account, word, state)
    if (word >> _WINDOW_SHIFT) & _M32 != window:
        word = self._checkpoint(account, word, window)
    assert (word & _M128) + shares <= _M128, "bond: balance overflow"
    # the sum fits in 128 bits (checked above), so no carry into the window field.
    self._accounts[account] = unsafe_add(word, shares)


@internal
def _settle_conversion(account: address, word: uint256, state: uint256) -> uint256:
    """
    @dev First balance change after the conversion: the shares in `word` are
         those held at the conversion, so write down the retired amount.
    """
    shares: uint256 = word & _M128
    if shares != 0:
        # retired = shares * (scale_before - scale_after) / WAD, token wei
        self._retired[account] = shares * (self.conversionScaleBefore - (state >> _SCALE_SHIFT)) // WAD
    return word | _SETTLED


@internal
def _checkpoint(account: address, word: uint256, window: uint256) -> uint256:
    """
    @dev First touch of `account` in a new record window: archive the
         shares held since its last touch (they were its balance at every
         record in between), then stamp the new window.
    """
    length: uint256 = (word >> _HIST_SHIFT) & _M32
    shares: uint256 = word & _M128
    if shares != 0 or length != 0:
        self._history[account][length] = shares | (((word >> _WINDOW_SHIFT) & _M32) << _WINDOW_SHIFT)
        length += 1
    return (word & ~((_M32 << _WINDOW_SHIFT) | (_M32 << _HIST_SHIFT))) | (window << _WINDOW_SHIFT) | (length << _HIST_SHIFT)


@internal
@view
def _shares_at_record(account: address, period: uint256) -> uint256:
    """
    @dev Shares held at record `period`: those set in the latest window < period.
    """
    word: uint256 = self._accounts[account]
    if (word >> _WINDOW_SHIFT) & _M32 < period:
        return word & _M128
    # Binary search the history (windows strictly increasing) for the last
    # entry with window < period.
    lo: uint256 = 0
    hi: uint256 = (word >> _HIST_SHIFT) & _M32
    for _: uint256 in range(32):
        if lo >= hi:
            break
        mid: uint256 = (lo + hi) // 2
        if (self._history[account][mid] >> _WINDOW_SHIFT) & _M32 < period:
            lo = mid + 1
        else:
            hi = mid
    if lo == 0:
        return 0
    return self._history[account][lo - 1] & _M128


@internal
def _roll(state: uint256) -> uint256:
    """
    @dev Snapshot every record date t_k <= block.timestamp not yet recorded.
         Bounded by the number of periods (never by holders).
    """
    next_ts: uint256 = (state >> _NEXT_TS_SHIFT) & _M64
    if block.timestamp < next_ts:
        return state
    recorded: uint256 = (state >> _RECORDED_SHIFT) & _M32
    scale_: uint256 = state >> _SCALE_SHIFT
    total: uint256 = self._total_shares
    supply: uint256 = total * scale_ // WAD
    for _: uint256 in range(MAX_PERIODS):
        if block.timestamp < next_ts or recorded >= periodCount:
            break
        recorded += 1
        coupon: uint256 = self._terms[recorded] >> 64
        # due = ceil(coupon per token * supply / 1e18), stablecoin units
        due: uint256 = (coupon * supply + TOKEN_UNIT - 1) // TOKEN_UNIT
        self._record_shares[recorded] = total
        self._record_funding[recorded] = due << 128
        log CouponRecorded(period=recorded, record_ts=next_ts, total_shares=total, supply=supply, due=due)
        if recorded == periodCount:
            # Maturity: freeze the redemption base.
            # principal due = ceil(denomination * supply / 1e18), stablecoin units
            self.redemptionSupply = supply
            self._redemption = ((denomination * supply + TOKEN_UNIT - 1) // TOKEN_UNIT) << 128
            next_ts = _M64
        else:
            next_ts = self._terms[recorded + 1] & _M64
    state_: uint256 = (state & ~((_M32 << _RECORDED_SHIFT) | (_M64 << _NEXT_TS_SHIFT))) | (recorded << _RECORDED_SHIFT) | (next_ts << _NEXT_TS_SHIFT)
    self._state = state_
    return state_
