# pragma version ~=0.4.3
"""
@title bondline SteadyAMM (bounded constant-product bond pool)
@license GNU Affero General Public License v3.0 only
@notice Secondary market for one bond token against its stablecoin: an
        x * y = k pool whose clean price may only move inside a band
        around the oracle price, with accrued interest paid by buyers and
        received by sellers (Bondi whitepaper, "The Secondary Market,
        steadyAMM"). Liquidity providers hold ERC-20 shares and earn the
        swap fee and the coupons of the pool's bond tokens.
@custom:security
        - Deployment: the pool collects the coupons its bond tokens earn
          through `BondToken.claim_coupons`, which pays verified holders
          only: the KYC operator must register the pool address in the
          Whitelist (`Whitelist.register(pool, expiry, jurisdiction)`) and
          renew it before the expiry. Until then coupons wait in the bond
          (nothing is lost) and liquidity changes skip the auto-collection.
        - Reserves are tracked in storage, never read from `balanceOf`, so
          donations cannot move prices or share values.
        - Checks-effects-interactions and `@nonreentrant` on every function
          that moves tokens; the only call made before the effects is the
          coupon claim on the bond itself (whose amount is needed first).
        - Rounding is always in the pool's favour: buyers pay rounded up,
          sellers and withdrawing LPs receive rounded down, shares are
          minted rounded down.
        - Blacklist: trader, receiver and LP-share transfers are checked
          against the Whitelist (`amm: account blocked`); a blacklisted LP
          cannot withdraw until un-blacklisted (sanctions freeze).
        - Withdrawals never need the oracle and work when paused and after
          maturity. Trading and adding liquidity halt when paused, at and
          after maturity, and on a missing or stale oracle price.
        - Roles: DEFAULT_ADMIN_ROLE sets fee, band and oracle age and
          manages roles; PAUSER_ROLE pauses and unpauses trading.
        - Sovereign debt conversion (BondToken.retire_fraction) shrinks every
          balance, the pool's too. The first trade or liquidity change after
          it (or anyone, via `sync_conversion`) rescales x to the pool's
          remaining tokens and y in proportion, so the price per token is
          unchanged; quotes revert until then. Performance-linked tokens
          the conversion may give the pool are not handled here.
        - The band and all prices assume the feed answers the bond's CLEAN
          price in percent of par (bondline PriceFeed); the constructor
          checks that the feed prices this bond.

        Glossary (units in brackets)
        ----------------------------
        x        bond tokens in the pool [token wei, 1e18 per token]
        y        curve stablecoin reserve [stablecoin units, 1e6 per USDC]
        k        x * y, the constant product; swaps never decrease it
        cash     stablecoin the pool holds [units] = y + interest account
                 (accrued interest received - paid + coupons collected)
        P        clean pool price = y / x; per token y * 1e18 / x [units]
        P_o      oracle clean price per token = answer * denomination /
                 PAR_ANSWER [units]; answer in percent of par (8 decimals)
        b        band half-width [bps]: P_max = (1 + b) P_o, P_min = (1 - b) P_o
        f        swap fee on the input amount [bps], stays in the pool (LPs)
        ai       accrued interest per token [units] (modules/bond_math)
        dx       bond tokens traded [token wei]
        dc       accrued interest of a trade = ai * dx / 1e18 [units]
        S        LP shares outstanding [share wei, 18 decimals]

        Trades (dx > 0; f and b as fractions)
        -------------------------------------
        buy   clean = ceil(y dx / ((x - dx)(1 - f)))        dc = ceil(ai dx / 1e18)
              x -= dx;  y += clean;  cash += clean + dc
        sell  clean = floor(y dx (1 - f) / (x + dx (1 - f))) dc = floor(ai dx / 1e18)
              x += dx;  y -= clean;  cash -= clean + dc
        i.e. the whitepaper's dy = k / (x + dx) - y + dc with the fee kept in
        the pool. Accrued interest moves cash only, never y: k and the band
        see the clean price, compared like for like with the clean oracle
        price, and swaps never decrease k. Band, edges included: a buy must
        end at y'/x' <= P_max, a sell at y'/x' >= P_min (exact integer
        cross-multiplication); since a buy only raises and a sell only
        lowers the price, outside the band only trades back toward it pass.
"""

# ------------------------------------------------------------- interfaces --
from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed
from interfaces import IAggregatorV3
from interfaces import IBondToken
from interfaces import IPriceFeed
from interfaces import IWhitelist

implements: IERC20
implements: IERC20Detailed

# ---------------------------------------------------------------- modules --
from snekmate.auth import ownable
from snekmate.auth import access_control
from snekmate.tokens import erc20
import modules.bond_math as bond_math

# LP shares are a snekmate erc20. Its transfer/transferFrom are replaced
# below (blacklist check); mint/burn are internal to add/remove liquidity,
# so erc20's minter and ownership functions are not exported (ownable only
# backs erc20's unused minter role). EIP-2612 `permit` is not exported
# either: the pool sits near the 24 KiB code size limit (EIP-170).
initializes: ownable
initializes: erc20[ownable := ownable]
initializes: access_control

exports: (
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.balanceOf,
    erc20.totalSupply,
    erc20.allowance,
    erc20.approve,
    access_control.supportsInterface,
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
)

# -------------------------------------------------------------- constants --
PAUSER_ROLE: public(constant(bytes32)) = keccak256("PAUSER_ROLE")

MAX_BPS: constant(uint256) = 10_000
MAX_FEE_BPS: public(constant(uint256)) = 1_000
MAX_BAND_BPS: public(constant(uint256)) = 5_000
MAX_ORACLE_AGE: public(constant(uint256)) = 30 * 86_400
# One bond token is 1e18 wei.
TOKEN_UNIT: constant(uint256) = 10**18
# LP shares locked forever at the first deposit (share wei; the first deposit
# mints one share per bond wei, so this locks 0.001 bond token and its
# stablecoin, ~1 USDC at par for a 1,000 USDC denomination). The pool can
# never be emptied, and since its stablecoin is counted in 6-decimal units,
# the leftover must stay large enough that rounding cannot distort the
# price: after every LP has left, the price error is below one stablecoin
# unit per locked stablecoin (1e-6 relative here).
MINIMUM_LIQUIDITY: public(constant(uint256)) = 10**15
# Coupon periods of a bond (BondToken.MAX_PERIODS).
MAX_PERIODS: constant(uint256) = 128
# Binary-search steps of the exact-in/exact-out quotes (x < 2**96).
_SEARCH_STEPS: constant(uint256) = 100

_M16: constant(uint256) = 2**16 - 1
_M32: constant(uint256) = 2**32 - 1
_M40: constant(uint256) = 2**40 - 1
_M80: constant(uint256) = 2**80 - 1
_M88: constant(uint256) = 2**88 - 1
_M96: constant(uint256) = 2**96 - 1

# `_reserves`, written by every trade:
#   bits   0..95   x     bond reserve [token wei]
#   bits  96..175  y     curve stablecoin reserve [units]
#   bits 176..255  cash  stablecoin held [units]
_Y_SHIFT: constant(uint256) = 96
_CASH_SHIFT: constant(uint256) = 176

# `_config`, read by every trade (written on a new coupon period or by
# the admin):
#   bits   0..15   fee [bps]
#   bits  16..31   band b [bps]
#   bits  32..63   max oracle age [s]
#   bit   64       paused
#   bit   65       the bond's debt conversion has been applied to x and y
#   bits  72..87   k: coupon period cached below (1..periodCount)
#   bits  88..127  start of period k [unix s] (issue date or t_{k-1})
#   bits 128..167  end of period k = t_k [unix s]
#   bits 168..255  coupon of period k per token [units]
_BAND_SHIFT: constant(uint256) = 16
_AGE_SHIFT: constant(uint256) = 32
_PAUSED: constant(uint256) = 1 << 64
_CONVERSION_SYNCED: constant(uint256) = 1 << 65
_K_SHIFT: constant(uint256) = 72
_START_SHIFT: constant(uint256) = 88
_END_SHIFT: constant(uint256) = 128
_COUPON_SHIFT: constant(uint256) = 168
_PERIOD_MASK: constant(uint256) = ~((1 << _K_SHIFT) - 1)

# ---------------------------------------------------------------- storage --
BOND: public(immutable(IBondToken))
STABLECOIN: public(immutable(IERC20))
WHITELIST: public(immutable(IWhitelist))
FEED: public(immutable(IAggregatorV3))
# Bond terms copied at deployment (immutable in BondToken too).
DENOMINATION: public(immutable(uint256))   # stablecoin units per token
MATURITY: public(immutable(uint256))       # unix s, = last coupon date
ISSUE_DATE: public(immutable(uint256))     # unix s, start of period 1
DAY_COUNT: public(immutable(uint8))        # bond_math day-count code
# Oracle answer at 100 % of par (100 * 10**feed decimals).
PAR_ANSWER: public(immutable(uint256))
# PAR_ANSWER * TOKEN_UNIT * MAX_BPS: the band check's common scale.
_PRICE_SCALE: immutable(uint256)

_reserves: uint256
_config: uint256

# ----------------------------------------------------------------- events --
event Buy:
    buyer: indexed(address)
    receiver: indexed(address)
    bond_out: uint256
    clean_in: uint256
    accrued_in: uint256

event Sell:
    seller: indexed(address)
    receiver: indexed(address)
    bond_in: uint256
    clean_out: uint256
    accrued_out: uint256

event AddLiquidity:
    sender: indexed(address)
    receiver: indexed(address)
    bond_in: uint256
    stable_in: uint256
    shares: uint256

event RemoveLiquidity:
    sender: indexed(address)
    receiver: indexed(address)
    shares: uint256
    bond_out: uint256
    stable_out: uint256

event CouponsCollected:
    caller: indexed(address)
    first_period: uint256
    last_period: uint256
    amount: uint256

event ConversionSynced:
    caller: indexed(address)
    bond_before: uint256
    bond_after: uint256
    curve_stable_before: uint256
    curve_stable_after: uint256

event FeeUpdated:
    admin: indexed(address)
    old_bps: uint256
    new_bps: uint256

event BandUpdated:
    admin: indexed(address)
    old_bps: uint256
    new_bps: uint256

event MaxOracleAgeUpdated:
    admin: indexed(address)
    old_seconds: uint256
    new_seconds: uint256

event Paused:
    account: indexed(address)

event Unpaused:
    account: indexed(address)


# ------------------------------------------------------------ constructor --
@deploy
def __init__(
    bond_: IBondToken,
    feed_: IAggregatorV3,
    lp_name_: String[25],
    lp_symbol_: String[5],
    fee_bps_: uint256,
    band_bps_: uint256,
    max_oracle_age_: uint256,
    admin_: address,
):
    """
    @param bond_ The BondToken traded (its stablecoin and Whitelist are used).
    @param feed_ The bond's PriceFeed (clean price, percent of par).
    @param fee_bps_ Swap fee, bps of the input (e.g. 30).
    @param band_bps_ Band half-width b, bps (500 = +-5 %).
    @param max_oracle_age_ Oldest oracle price that still allows trading, s.
    @param admin_ Receives DEFAULT_ADMIN_ROLE; the deployer keeps nothing.
    """
    assert admin_ != empty(address), "amm: admin is the zero address"
    assert staticcall IPriceFeed(feed_.address).bond() == bond_.address, "amm: feed prices another bond"
    assert staticcall bond_.decimals() == 18, "amm: bond token not 18 decimals"
    stablecoin: address = staticcall bond_.STABLECOIN()
    # y and cash are 80-bit fields: 1.2e12 whole stablecoins at 12 decimals.
    assert staticcall IERC20Detailed(stablecoin).decimals() <= 12, "amm: stablecoin above 12 decimals"
    feed_decimals: uint8 = staticcall feed_.decimals()
    assert feed_decimals <= 18, "amm: feed decimals above 18"
    self._check_fee(fee_bps_)
    self._check_band_bps(band_bps_)
    self._check_max_age(max_oracle_age_)

    issue_date: uint256 = staticcall bond_.issueDate()
    end: uint256 = 0
    coupon: uint256 = 0
    (end, coupon) = staticcall bond_.coupon_period(1)
    maturity: uint256 = staticcall bond_.maturityDate()
    assert maturity <= _M40, "amm: maturity out of range"
    assert coupon <= _M88, "amm: coupon out of range"

    BOND = bond_
    STABLECOIN = IERC20(stablecoin)
    WHITELIST = IWhitelist(staticcall bond_.WHITELIST())
    FEED = feed_
    DENOMINATION = staticcall bond_.denomination()
    MATURITY = maturity
    ISSUE_DATE = issue_date
    DAY_COUNT = staticcall bond_.dayCountBasis()
    par: uint256 = 100 * 10 ** convert(feed_decimals, uint256)
    PAR_ANSWER = par
    _PRICE_SCALE = par * TOKEN_UNIT * MAX_BPS

    self._config = (
        fee_bps_
        | (band_bps_ << _BAND_SHIFT)
        | (max_oracle_age_ << _AGE_SHIFT)
        | (1 << _K_SHIFT)
        | (issue_date << _START_SHIFT)
        | (end << _END_SHIFT)
        | (coupon << _COUPON_SHIFT)
    )

    ownable.__init__()
    erc20.__init__(lp_name_, lp_symbol_, 18, lp_name_, "1")
    access_control.__init__()
    if admin_ != msg.sender:
        access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, admin_)
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)


# -------------------------------------------------------- external: trade --
@external
@nonreentrant
def buy(bond_out: uint256, max_stable_in: uint256, receiver: address, deadline: uint256) -> uint256:
    """
    @notice Buy `bond_out` token wei for at most `max_stable_in` stablecoin
            units (dirty: clean price plus accrued interest).
    @dev dy = k / (x - dx) - y, charged with the fee on the input, plus
         dc = ai * dx / 1e18 (whitepaper: dy = k/(x+dx) - y + dc with dx < 0).
         The new clean price must stay <= P_max ("amm: price above band").
    @return Stablecoin units paid (clean + accrued).
    """
    assert block.timestamp <= deadline, "amm: deadline passed"
    self._check_parties(msg.sender, receiver)
    cfg: uint256 = self._sync_conversion(self._config)
    answer: uint256 = 0
    ai: uint256 = 0
    synced: uint256 = 0
    (synced, answer, ai) = self._market(cfg)
    if synced != cfg:
        self._config = synced
    reserves: uint256 = self._reserves
    x: uint256 = reserves & _M96
    y: uint256 = (reserves >> _Y_SHIFT) & _M80
    cash: uint256 = reserves >> _CASH_SHIFT

    clean: uint256 = self._buy_clean_in(x, y, bond_out, synced & _M16)
    # dc = ai * dx / 1e18, rounded up (buyer pays)
    accrued: uint256 = self._mul_div_up(ai, bond_out, TOKEN_UNIT)
    dirty: uint256 = clean + accrued
    assert dirty <= max_stable_in, "amm: slippage"
    # bond_out < x was checked in _buy_clean_in.
    x_new: uint256 = unsafe_sub(x, bond_out)
    y_new: uint256 = y + clean
    self._check_band(x_new, y_new, answer, (synced >> _BAND_SHIFT) & _M16, True)
    self._reserves = self._pack(x_new, y_new, cash + dirty)
    log Buy(buyer=msg.sender, receiver=receiver, bond_out=bond_out, clean_in=clean, accrued_in=accrued)

    assert extcall STABLECOIN.transferFrom(msg.sender, self, dirty), "amm: stablecoin transferFrom failed"
    self._send_bond(receiver, bond_out, synced)
    return dirty


@external
@nonreentrant
def sell(bond_in: uint256, min_stable_out: uint256, receiver: address, deadline: uint256) -> uint256:
    """
    @notice Sell `bond_in` token wei for at least `min_stable_out`
            stablecoin units (dirty: clean price plus accrued interest).
    @dev dy = y - k / (x + dx * (1 - f)), plus dc = ai * dx / 1e18 paid from
         the pool's cash. The new clean price must stay >= P_min
         ("amm: price below band").
    @return Stablecoin units received (clean + accrued).
    """
    assert block.timestamp <= deadline, "amm: deadline passed"
    self._check_parties(msg.sender, receiver)
    cfg: uint256 = self._sync_conversion(self._config)
    answer: uint256 = 0
    ai: uint256 = 0
    synced: uint256 = 0
    (synced, answer, ai) = self._market(cfg)
    if synced != cfg:
        self._config = synced
    reserves: uint256 = self._reserves
    x: uint256 = reserves & _M96
    y: uint256 = (reserves >> _Y_SHIFT) & _M80
    cash: uint256 = reserves >> _CASH_SHIFT

    clean: uint256 = self._sell_clean_out(x, y, bond_in, synced & _M16)
    # dc = ai * dx / 1e18, rounded down (seller receives)
    accrued: uint256 = ai * bond_in // TOKEN_UNIT
    dirty: uint256 = clean + accrued
    assert dirty >= min_stable_out, "amm: slippage"
    assert dirty <= cash, "amm: insufficient stablecoin"
    x_new: uint256 = x + bond_in
    # clean < y (see _sell_clean_out).
    y_new: uint256 = unsafe_sub(y, clean)
    self._check_band(x_new, y_new, answer, (synced >> _BAND_SHIFT) & _M16, False)
    # dirty <= cash (checked above).
    self._reserves = self._pack(x_new, y_new, unsafe_sub(cash, dirty))
    log Sell(seller=msg.sender, receiver=receiver, bond_in=bond_in, clean_out=clean, accrued_out=accrued)

    assert extcall BOND.transferFrom(msg.sender, self, bond_in), "amm: bond transferFrom failed"
    assert extcall STABLECOIN.transfer(receiver, dirty), "amm: stablecoin transfer failed"
    return dirty


# ---------------------------------------------------- external: liquidity --
@external
@nonreentrant
def add_liquidity(
    bond_in: uint256, max_stable_in: uint256, min_shares: uint256, receiver: address, deadline: uint256
) -> uint256:
    """
    @notice Deposit `bond_in` token wei and the matching stablecoin.
            First deposit: at the oracle price, stable = bond_in * P_o
            (rounded up), shares = bond_in of which MINIMUM_LIQUIDITY are
            locked. Later deposits: proportional to the pool's holdings,
            stable = cash * bond_in / x (rounded up), shares = S * bond_in / x
            (rounded down); y grows by the same ratio (rounded up).
    @return LP shares minted to `receiver`.
    """
    assert block.timestamp <= deadline, "amm: deadline passed"
    self._check_parties(msg.sender, receiver)
    assert bond_in > 0, "amm: zero amount"
    cfg: uint256 = self._sync_conversion(self._config)
    assert cfg & _PAUSED == 0, "amm: paused"
    assert block.timestamp < MATURITY, "amm: bond matured"
    self._collect_owed()

    reserves: uint256 = self._reserves
    x: uint256 = reserves & _M96
    y: uint256 = (reserves >> _Y_SHIFT) & _M80
    cash: uint256 = reserves >> _CASH_SHIFT
    supply: uint256 = erc20.totalSupply
    stable_in: uint256 = 0
    shares: uint256 = 0
    dy: uint256 = 0
    if supply == 0:
        answer: uint256 = self._oracle_answer((cfg >> _AGE_SHIFT) & _M32)
        # stable = bond_in [wei] * answer * denomination / (PAR_ANSWER * 1e18), rounded up
        stable_in = self._mul_div_up(bond_in * answer, DENOMINATION, PAR_ANSWER * TOKEN_UNIT)
        assert stable_in > 0, "amm: deposit too small"
        assert bond_in > MINIMUM_LIQUIDITY, "amm: deposit too small"
        dy = stable_in
        shares = bond_in - MINIMUM_LIQUIDITY
        erc20._mint(self, MINIMUM_LIQUIDITY)
    else:
        # x > 0 whenever shares exist (buys and withdrawals leave x >= 1).
        # stable = cash * bond_in / x, rounded up
        stable_in = self._mul_div_up(cash, bond_in, x)
        # shares = S * bond_in / x, rounded down
        shares = supply * bond_in // x
        # y grows by the same ratio: dy = y * bond_in / x, rounded up
        dy = self._mul_div_up(y, bond_in, x)
        assert shares > 0, "amm: deposit too small"
    assert stable_in <= max_stable_in, "amm: slippage"
    assert shares >= min_shares, "amm: slippage"

    self._reserves = self._pack(x + bond_in, y + dy, cash + stable_in)
    erc20._mint(receiver, shares)
    log AddLiquidity(sender=msg.sender, receiver=receiver, bond_in=bond_in, stable_in=stable_in, shares=shares)

    assert extcall BOND.transferFrom(msg.sender, self, bond_in), "amm: bond transferFrom failed"
    assert extcall STABLECOIN.transferFrom(msg.sender, self, stable_in), "amm: stablecoin transferFrom failed"
    return shares


@external
@nonreentrant
def remove_liquidity(
    shares: uint256, min_bond_out: uint256, min_stable_out: uint256, receiver: address, deadline: uint256
) -> (uint256, uint256):
    """
    @notice Burn `shares` for the same fraction of the pool's bond tokens
            and stablecoin (rounded down). Works when paused, after
            maturity and without an oracle; coupons already funded to the
            pool are collected first.
    @return (bond token wei, stablecoin units) sent to `receiver`.
    """
    assert block.timestamp <= deadline, "amm: deadline passed"
    self._check_parties(msg.sender, receiver)
    assert shares > 0, "amm: zero amount"
    cfg: uint256 = self._sync_conversion(self._config)
    self._collect_owed()

    reserves: uint256 = self._reserves
    x: uint256 = reserves & _M96
    y: uint256 = (reserves >> _Y_SHIFT) & _M80
    cash: uint256 = reserves >> _CASH_SHIFT
    supply: uint256 = erc20.totalSupply
    # erc20._burn reverts when shares exceed the caller's balance, and the
    # locked MINIMUM_LIQUIDITY keeps shares < supply, so each floor below is
    # strictly less than its reserve.
    erc20._burn(msg.sender, shares)
    # out = reserve * shares / S, rounded down
    bond_out: uint256 = x * shares // supply
    stable_out: uint256 = cash * shares // supply
    dy: uint256 = y * shares // supply
    assert bond_out >= min_bond_out and stable_out >= min_stable_out, "amm: slippage"

    self._reserves = self._pack(x - bond_out, y - dy, cash - stable_out)
    log RemoveLiquidity(sender=msg.sender, receiver=receiver, shares=shares, bond_out=bond_out, stable_out=stable_out)

    if bond_out > 0:
        self._send_bond(receiver, bond_out, cfg)
    if stable_out > 0:
        assert extcall STABLECOIN.transfer(receiver, stable_out), "amm: stablecoin transfer failed"
    return (bond_out, stable_out)


# ------------------------------------------------------ external: coupons --
@external
@nonreentrant
def collect_coupons(first_period: uint256, last_period: uint256) -> uint256:
    """
    @notice Claim the coupons of periods first..last owed to the pool's bond
            tokens into the pool's cash (LPs earn them; the curve price is
            unchanged). Anyone may call (the keeper does after funding).
    @dev Needs the pool to be KYC-verified in the Whitelist.
    @return Stablecoin units collected.
    """
    return self._collect(first_period, last_period)


@external
@nonreentrant
def sync_conversion():
    """
    @notice Apply the bond's debt conversion to the reserves (anyone; trades
            and liquidity changes do it by themselves).
    """
    assert staticcall BOND.converted(), "amm: bond not converted"
    assert self._config & _CONVERSION_SYNCED == 0, "amm: conversion already synced"
    self._sync_conversion(self._config)


# ------------------------------------------------------ external: LP token --
@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Move LP shares; blocked for blacklisted parties.
    """
    assert staticcall WHITELIST.are_unblocked(msg.sender, to), "amm: account blocked"
    erc20._transfer(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    assert staticcall WHITELIST.are_unblocked(owner, to), "amm: account blocked"
    erc20._spend_allowance(owner, msg.sender, amount)
    erc20._transfer(owner, to, amount)
    return True


# -------------------------------------------------------- external: admin --
@external
def set_fee(new_bps: uint256):
    """
    @notice Swap fee on the input amount, bps (at most MAX_FEE_BPS).
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._check_fee(new_bps)
    cfg: uint256 = self._config
    self._config = (cfg & ~_M16) | new_bps
    log FeeUpdated(admin=msg.sender, old_bps=cfg & _M16, new_bps=new_bps)


@external
def set_band(new_bps: uint256):
    """
    @notice Band half-width b, bps (1..MAX_BAND_BPS).
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._check_band_bps(new_bps)
    cfg: uint256 = self._config
    self._config = (cfg & ~(_M16 << _BAND_SHIFT)) | (new_bps << _BAND_SHIFT)
    log BandUpdated(admin=msg.sender, old_bps=(cfg >> _BAND_SHIFT) & _M16, new_bps=new_bps)


@external
def set_max_oracle_age(new_seconds: uint256):
    """
    @notice Oldest oracle price (by its updatedAt) that still allows trading, s.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._check_max_age(new_seconds)
    cfg: uint256 = self._config
    self._config = (cfg & ~(_M32 << _AGE_SHIFT)) | (new_seconds << _AGE_SHIFT)
    log MaxOracleAgeUpdated(admin=msg.sender, old_seconds=(cfg >> _AGE_SHIFT) & _M32, new_seconds=new_seconds)


@external
def pause():
    """
    @notice Halt trading and deposits (withdrawals stay open).
    """
    access_control._check_role(PAUSER_ROLE, msg.sender)
    cfg: uint256 = self._config
    assert cfg & _PAUSED == 0, "amm: already paused"
    self._config = cfg | _PAUSED
    log Paused(account=msg.sender)


@external
def unpause():
    access_control._check_role(PAUSER_ROLE, msg.sender)
    cfg: uint256 = self._config
    assert cfg & _PAUSED != 0, "amm: not paused"
    self._config = cfg & ~_PAUSED
    log Unpaused(account=msg.sender)


# ------------------------------------------------------------- view: state --
@external
@view
def reserves() -> (uint256, uint256, uint256):
    """
    @return (x [bond token wei], y curve reserve [stablecoin units],
             cash held [stablecoin units])
    """
    reserves: uint256 = self._reserves
    return (reserves & _M96, (reserves >> _Y_SHIFT) & _M80, reserves >> _CASH_SHIFT)


@external
@view
def parameters() -> (uint256, uint256, uint256, bool):
    """
    @return (fee [bps], band b [bps], max oracle age [s], paused)
    """
    cfg: uint256 = self._config
    return (cfg & _M16, (cfg >> _BAND_SHIFT) & _M16, (cfg >> _AGE_SHIFT) & _M32, cfg & _PAUSED != 0)


@external
@view
def paused() -> bool:
    return self._config & _PAUSED != 0


@external
@view
def current_period() -> (uint256, uint256, uint256, uint256):
    """
    @notice The coupon period chain time is in (before maturity).
    @return (k, start [unix s], end t_k [unix s], coupon per token [units])
    """
    assert block.timestamp < MATURITY, "amm: bond matured"
    cfg: uint256 = self._current_period(self._config)
    return (
        (cfg >> _K_SHIFT) & _M16,
        (cfg >> _START_SHIFT) & _M40,
        (cfg >> _END_SHIFT) & _M40,
        cfg >> _COUPON_SHIFT,
    )


@external
@view
def accrued_interest() -> uint256:
    """
    @notice Accrued interest per token now (0 at and after maturity).
    @return Stablecoin units per 1e18 token wei.
    """
    if block.timestamp >= MATURITY:
        return 0
    cfg: uint256 = self._current_period(self._config)
    return self._accrued(cfg, block.timestamp)


@external
@view
def accrued_interest_at(ts: uint256) -> uint256:
    """
    @notice Accrued interest per token at any time `ts` (unix s); 0 before
            issue and at or after maturity (analytics.bond_math.accrued_interest_at).
    @return Stablecoin units per 1e18 token wei.
    """
    if ts < ISSUE_DATE or ts >= MATURITY:
        return 0
    start: uint256 = ISSUE_DATE
    for k: uint256 in range(1, MAX_PERIODS + 1):
        end: uint256 = 0
        coupon: uint256 = 0
        (end, coupon) = staticcall BOND.coupon_period(k)
        if ts < end:
            return bond_math._accrued_interest_units(coupon, start, end, ts, DAY_COUNT)
        start = end
    return 0


@external
@view
def oracle_price() -> (uint256, uint256):
    """
    @notice The oracle's clean price, whatever its age.
    @return (P_o per token [stablecoin units, rounded down], updatedAt [unix s])
    """
    answer: uint256 = 0
    updated_at: uint256 = 0
    (answer, updated_at) = self._latest_answer()
    return (answer * DENOMINATION // PAR_ANSWER, updated_at)


@external
@view
def band() -> (uint256, uint256, uint256):
    """
    @notice The band around the oracle price, whatever its age.
    @return (P_min, P_o, P_max) per token [stablecoin units, rounded down]
    """
    answer: uint256 = 0
    updated_at: uint256 = 0
    (answer, updated_at) = self._latest_answer()
    band_bps: uint256 = (self._config >> _BAND_SHIFT) & _M16
    # P_o * PAR_ANSWER * MAX_BPS = answer * denomination * MAX_BPS
    p: uint256 = answer * DENOMINATION
    return (
        p * (MAX_BPS - band_bps) // (PAR_ANSWER * MAX_BPS),
        p // PAR_ANSWER,
        p * (MAX_BPS + band_bps) // (PAR_ANSWER * MAX_BPS),
    )


@external
@view
def spot_price() -> (uint256, uint256, uint256):
    """
    @notice The pool's marginal price per token (no fee).
    @return (clean = y * 1e18 / x, accrued ai, dirty = clean + ai)
            [stablecoin units per token, rounded down]
    """
    reserves: uint256 = self._reserves
    x: uint256 = reserves & _M96
    assert x > 0, "amm: pool empty"
    clean: uint256 = ((reserves >> _Y_SHIFT) & _M80) * TOKEN_UNIT // x
    ai: uint256 = 0
    if block.timestamp < MATURITY:
        ai = self._accrued(self._current_period(self._config), block.timestamp)
    return (clean, ai, clean + ai)


# ------------------------------------------------------------ view: quotes --
@external
@view
def quote_buy(bond_out: uint256) -> (uint256, uint256, uint256):
    """
    @notice What `buy(bond_out, ...)` would charge now; reverts as the
            trade would (band, oracle, maturity, pause).
    @return (clean, accrued, dirty = clean + accrued) [stablecoin units in]
    """
    cfg: uint256 = 0
    answer: uint256 = 0
    ai: uint256 = 0
    (cfg, answer, ai) = self._market(self._check_synced(self._config))
    reserves: uint256 = self._reserves
    x: uint256 = reserves & _M96
    y: uint256 = (reserves >> _Y_SHIFT) & _M80
    clean: uint256 = self._buy_clean_in(x, y, bond_out, cfg & _M16)
    accrued: uint256 = self._mul_div_up(ai, bond_out, TOKEN_UNIT)
    self._check_band(x - bond_out, y + clean, answer, (cfg >> _BAND_SHIFT) & _M16, True)
    return (clean, accrued, clean + accrued)


@external
@view
def quote_sell(bond_in: uint256) -> (uint256, uint256, uint256):
    """
    @notice What `sell(bond_in, ...)` would pay now; reverts as the trade
            would (band, oracle, maturity, pause, cash).
    @return (clean, accrued, dirty = clean + accrued) [stablecoin units out]
    """
    cfg: uint256 = 0
    answer: uint256 = 0
    ai: uint256 = 0
    (cfg, answer, ai) = self._market(self._check_synced(self._config))
    reserves: uint256 = self._reserves
    x: uint256 = reserves & _M96
    y: uint256 = (reserves >> _Y_SHIFT) & _M80
    clean: uint256 = self._sell_clean_out(x, y, bond_in, cfg & _M16)
    accrued: uint256 = ai * bond_in // TOKEN_UNIT
    assert clean + accrued <= reserves >> _CASH_SHIFT, "amm: insufficient stablecoin"
    self._check_band(x + bond_in, y - clean, answer, (cfg >> _BAND_SHIFT) & _M16, False)
    return (clean, accrued, clean + accrued)


@external
@view
def quote_buy_exact_in(stable_in: uint256) -> uint256:
    """
    @notice The most bond tokens a buyer gets for `stable_in` stablecoin
            units (dirty), i.e. the largest dx with quote_buy(dx) <= stable_in;
            reverts if that trade would break the band.
    @return Bond token wei (0 if `stable_in` buys nothing).
    """
    cfg: uint256 = 0
    answer: uint256 = 0
    ai: uint256 = 0
    (cfg, answer, ai) = self._market(self._check_synced(self._config))
    reserves: uint256 = self._reserves
    x: uint256 = reserves & _M96
    y: uint256 = (reserves >> _Y_SHIFT) & _M80
    assert x > 1, "amm: pool empty"
    fee: uint256 = cfg & _M16
    # Binary search on [0, x - 1]: dirty(dx) increases with dx.
    lo: uint256 = 0
    hi: uint256 = x - 1
    for _: uint256 in range(_SEARCH_STEPS):
        if lo >= hi:
            break
        mid: uint256 = (lo + hi + 1) // 2
        if self._buy_clean_in(x, y, mid, fee) + self._mul_div_up(ai, mid, TOKEN_UNIT) <= stable_in:
            lo = mid
        else:
            hi = mid - 1
    if lo > 0:
        self._check_band(x - lo, y + self._buy_clean_in(x, y, lo, fee), answer, (cfg >> _BAND_SHIFT) & _M16, True)
    return lo


@external
@view
def quote_sell_exact_out(stable_out: uint256) -> uint256:
    """
    @notice The fewest bond tokens a seller must sell to receive
            `stable_out` stablecoin units (dirty), i.e. the smallest dx with
            quote_sell(dx) >= stable_out; reverts if no amount can, or if
            that trade would break the band.
    @return Bond token wei.
    """
    cfg: uint256 = 0
    answer: uint256 = 0
    ai: uint256 = 0
    (cfg, answer, ai) = self._market(self._check_synced(self._config))
    reserves: uint256 = self._reserves
    x: uint256 = reserves & _M96
    y: uint256 = (reserves >> _Y_SHIFT) & _M80
    assert stable_out > 0, "amm: zero amount"
    assert stable_out <= reserves >> _CASH_SHIFT, "amm: insufficient stablecoin"
    fee: uint256 = cfg & _M16
    # Binary search on [1, 2**96 - 1 - x]: proceeds(dx) never decrease with dx.
    lo: uint256 = 1
    hi: uint256 = _M96 - x
    assert self._sell_clean_out(x, y, hi, fee) + ai * hi // TOKEN_UNIT >= stable_out, "amm: insufficient liquidity"
    for _: uint256 in range(_SEARCH_STEPS):
        if lo >= hi:
            break
        mid: uint256 = (lo + hi) // 2
        if self._sell_clean_out(x, y, mid, fee) + ai * mid // TOKEN_UNIT >= stable_out:
            hi = mid
        else:
            lo = mid + 1
    self._check_band(x + lo, y - self._sell_clean_out(x, y, lo, fee), answer, (cfg >> _BAND_SHIFT) & _M16, False)
    return lo


@external
@view
def quote_remove_liquidity(shares: uint256) -> (uint256, uint256):
    """
    @return (bond token wei, stablecoin units) that `shares` withdraw now
            (before any coupon auto-collection).
    """
    supply: uint256 = erc20.totalSupply
    assert shares <= supply, "amm: shares exceed supply"
    reserves: uint256 = self._reserves
    return ((reserves & _M96) * shares // supply, (reserves >> _CASH_SHIFT) * shares // supply)


# --------------------------------------------------------------- internal --
@internal
@view
def _market(cfg: uint256) -> (uint256, uint256, uint256):
    """
    @dev Everything a trade needs before the math: not paused, not matured,
         the coupon period of chain time, a fresh oracle answer.
    @return (config with the current period, oracle answer [percent of
             par, feed decimals], ai [stablecoin units per token])
    """
    assert cfg & _PAUSED == 0, "amm: paused"
    assert block.timestamp < MATURITY, "amm: bond matured"
    synced: uint256 = self._current_period(cfg)
    answer: uint256 = self._oracle_answer((synced >> _AGE_SHIFT) & _M32)
    return (synced, answer, self._accrued(synced, block.timestamp))


@internal
def _sync_conversion(cfg: uint256) -> uint256:
    """
    @dev Once the bond has retired a fraction alpha of every balance, scale
         the reserves to the pool's remaining tokens, keeping the price:
           x' = min(x * scale_after / scale_before, balance)   (rounded down)
           y' = y * x' / x                                      (rounded up)
         cash is stablecoin and does not change. Before the conversion this
         costs one call to the bond (whose account and state word the trade
         then finds warm); afterwards nothing (the config bit is set).
    @return `cfg` with the synced bit when the conversion has been applied.
    """
    if cfg & _CONVERSION_SYNCED != 0:
        return cfg
    if not staticcall BOND.converted():
        return cfg
    reserves: uint256 = self._reserves
    x: uint256 = reserves & _M96
    y: uint256 = (reserves >> _Y_SHIFT) & _M80
    x_new: uint256 = x
    y_new: uint256 = y
    if x > 0:
        x_new = min(
            x * staticcall BOND.scale() // staticcall BOND.conversionScaleBefore(),
            staticcall BOND.balanceOf(self),
        )
        y_new = self._mul_div_up(y, x_new, x)
        self._reserves = self._pack(x_new, y_new, reserves >> _CASH_SHIFT)
    synced: uint256 = cfg | _CONVERSION_SYNCED
    self._config = synced
    log ConversionSynced(caller=msg.sender, bond_before=x, bond_after=x_new, curve_stable_before=y, curve_stable_after=y_new)
    return synced


@internal
def _send_bond(receiver: address, amount: uint256, cfg: uint256):
    """
    @dev Transfer bond tokens out. After a debt conversion the bond debits
         ceil(amount / scale) shares, which can lower the pool's balance by
         one wei more than `amount`; x then follows the balance down, so the
         pool never counts tokens it does not hold.
    """
    assert extcall BOND.transfer(receiver, amount), "amm: bond transfer failed"
    if cfg & _CONVERSION_SYNCED == 0:
        return
    balance: uint256 = staticcall BOND.balanceOf(self)
    reserves: uint256 = self._reserves
    if balance < reserves & _M96:
        self._reserves = (reserves & ~_M96) | balance


@internal
@view
def _check_synced(cfg: uint256) -> uint256:
    if cfg & _CONVERSION_SYNCED == 0:
        assert not staticcall BOND.converted(), "amm: conversion not synced"
    return cfg


@internal
@view
def _current_period(cfg: uint256) -> uint256:
    """
    @dev `cfg` with the coupon period containing block.timestamp (which is
         before maturity): the cached one, or the next ones read from the
         bond (one call per period skipped, at most once per period).
    """
    end: uint256 = (cfg >> _END_SHIFT) & _M40
    if block.timestamp < end:
        return cfg
    k: uint256 = (cfg >> _K_SHIFT) & _M16
    start: uint256 = end
    coupon: uint256 = 0
    for _: uint256 in range(MAX_PERIODS):
        k += 1
        (end, coupon) = staticcall BOND.coupon_period(k)
        if block.timestamp < end:
            break
        start = end
    # end <= maturity < 2**40; coupons of later periods: same bound as period 1.
    assert coupon <= _M88, "amm: coupon out of range"
    return (cfg & ~_PERIOD_MASK) | (k << _K_SHIFT) | (start << _START_SHIFT) | (end << _END_SHIFT) | (
        coupon << _COUPON_SHIFT
    )


@internal
@view
def _accrued(cfg: uint256, now: uint256) -> uint256:
    """
    @dev ai per token [stablecoin units] in the period cached in `cfg`.
    """
    return bond_math._accrued_interest_units(
        cfg >> _COUPON_SHIFT, (cfg >> _START_SHIFT) & _M40, (cfg >> _END_SHIFT) & _M40, now, DAY_COUNT
    )


@internal
@view
def _oracle_answer(max_age: uint256) -> uint256:
    """
    @dev The latest oracle answer, which must exist and be at most
         `max_age` seconds old (by updatedAt).
    @return Clean price, percent of par [feed decimals].
    """
    answer: uint256 = 0
    updated_at: uint256 = 0
    (answer, updated_at) = self._latest_answer()
    assert updated_at + max_age >= block.timestamp, "amm: oracle price stale"
    return answer


@internal
@view
def _latest_answer() -> (uint256, uint256):
    """
    @dev The feed's latest round, which must hold a positive answer.
    @return (answer [percent of par, feed decimals], updatedAt [unix s])
    """
    round_id: uint80 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in: uint80 = 0
    (round_id, answer, started_at, updated_at, answered_in) = staticcall FEED.latestRoundData()
    assert answer > 0, "amm: oracle price missing"
    return (convert(answer, uint256), updated_at)


@internal
@view
def _check_band(x_new: uint256, y_new: uint256, answer: uint256, band_bps: uint256, is_buy: bool):
    """
    @dev P_new = y'/x' [units per wei]; P_o = answer * denomination /
         (PAR_ANSWER * 1e18) [units per wei]. Exact, cross-multiplied:
           buy:  P_new <= (1 + b) P_o  <=>  y' * PAR * 1e18 * 10_000 <= (10_000 + b) * answer * denomination * x'
           sell: P_new >= (1 - b) P_o  <=>  y' * PAR * 1e18 * 10_000 >= (10_000 - b) * answer * denomination * x'
         A buy only raises and a sell only lowers the price, so outside the
         band exactly the trades back toward it can pass.
    """
    lhs: uint256 = y_new * _PRICE_SCALE
    reference: uint256 = answer * DENOMINATION * x_new
    if is_buy:
        assert lhs <= (MAX_BPS + band_bps) * reference, "amm: price above band"
    else:
        assert lhs >= (MAX_BPS - band_bps) * reference, "amm: price below band"


@internal
@pure
def _buy_clean_in(x: uint256, y: uint256, dx: uint256, fee_bps: uint256) -> uint256:
    """
    @dev Clean stablecoin in for dx bond out, fee on the input, rounded up:
           (x - dx) * (y + in * (1 - f)) >= x * y
           in = ceil(y * dx * 10_000 / ((x - dx) * (10_000 - f)))
    """
    assert dx > 0, "amm: zero amount"
    assert dx < x, "amm: insufficient bond reserve"
    return self._mul_div_up(y * dx, MAX_BPS, unsafe_sub(x, dx) * (MAX_BPS - fee_bps))


@internal
@pure
def _sell_clean_out(x: uint256, y: uint256, dx: uint256, fee_bps: uint256) -> uint256:
    """
    @dev Clean stablecoin out for dx bond in, fee on the input, rounded down:
           out = y - k / (x + dx * (1 - f))
               = floor(y * dx * (10_000 - f) / (x * 10_000 + dx * (10_000 - f)))
         which is < y, so the pool never runs out of y.
    """
    assert dx > 0, "amm: zero amount"
    dx_after_fee: uint256 = dx * (MAX_BPS - fee_bps)
    return y * dx_after_fee // (x * MAX_BPS + dx_after_fee)


@internal
@pure
def _mul_div_up(a: uint256, b: uint256, d: uint256) -> uint256:
    """
    @dev ceil(a * b / d) for d > 0.
    """
    product: uint256 = a * b
    # product // d <= product, so adding 1 cannot overflow.
    return unsafe_add(product // d, convert(product % d != 0, uint256))


@internal
@pure
def _pack(x: uint256, y: uint256, cash: uint256) -> uint256:
    assert x <= _M96 and y <= _M80 and cash <= _M80, "amm: reserve overflow"
    return x | (y << _Y_SHIFT) | (cash << _CASH_SHIFT)


@internal
@view
def _check_parties(sender: address, receiver: address):
    assert receiver != empty(address), "amm: receiver is the zero address"
    assert staticcall WHITELIST.are_unblocked(sender, receiver), "amm: account blocked"


@internal
def _collect(first_period: uint256, last_period: uint256) -> uint256:
    """
    @dev Claim coupons from the bond into `cash`. The claim comes first
         (the amount is only known after it); all callers are
         `@nonreentrant` and the bond is a bondline contract.
    """
    before: uint256 = staticcall STABLECOIN.balanceOf(self)
    paid: uint256 = extcall BOND.claim_coupons(first_period, last_period)
    assert staticcall STABLECOIN.balanceOf(self) >= before + paid, "amm: coupon not received"
    reserves: uint256 = self._reserves
    self._reserves = self._pack(
        reserves & _M96, (reserves >> _Y_SHIFT) & _M80, (reserves >> _CASH_SHIFT) + paid
    )
    log CouponsCollected(caller=msg.sender, first_period=first_period, last_period=last_period, amount=paid)
    return paid


@internal
def _collect_owed():
    """
    @dev Collect every funded, unclaimed coupon before the share price is
         used, so no LP can join just before or leave just after a coupon
         lands and take another LP's part of it. Skipped while the pool is
         not verified (coupons then wait in the bond).
    """
    recorded: uint256 = staticcall BOND.recorded_periods()
    if recorded == 0:
        return
    if not staticcall WHITELIST.is_verified(self):
        return
    if staticcall BOND.claimable_coupons(self, 1, recorded) == 0:
        return
    self._collect(1, recorded)


@internal
@pure
def _check_fee(fee_bps: uint256):
    assert fee_bps <= MAX_FEE_BPS, "amm: fee out of range"


@internal
@pure
def _check_band_bps(band_bps: uint256):
    assert band_bps > 0 and band_bps <= MAX_BAND_BPS, "amm: band out of range"


@internal
@pure
def _check_max_age(seconds: uint256):
    assert seconds > 0 and seconds <= MAX_ORACLE_AGE, "amm: oracle age out of range"
