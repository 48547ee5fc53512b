# pragma version ~=0.4.3
"""
@title bondline DebtConversion (TSDCM) and its performance-linked token
@license GNU Affero General Public License v3.0 only
@notice The Tokenized Sovereign Debt Conversion Mechanism of one sovereign
        bond (seed paper, section 3.2). Once the sovereign's debt ratio
        and growth pass their thresholds, anyone may `convert()`: a
        fraction alpha of every holder's bond tokens is retired in O(1)
        and each holder may claim as many performance-linked tokens
        (PLT, this ERC-20) as it had retired. At the PLT maturity T the
        sovereign funds, and verified PLT holders redeem, per unit of
        retired face value:
            Pi = beta * max(D_tau - D*, 0) + gamma * int_tau^T (g_s - g*)^+ ds.
@custom:security
        Glossary and units
        - D: debt-to-GDP, g: real GDP growth, both from the MacroFeed in
          basis points (bps; D in bps of GDP, g in bps per year, signed).
          D* (`debtThreshold`) and g* (`growthThreshold`) are in bps too.
        - alpha, beta, gamma: WAD (1e18 = 1). alpha is the fraction
          retired; beta is payout per unit of debt overshoot (a fraction
          of GDP); gamma is payout per unit of the growth integral (a
          fraction-year). Pi (`payoutRate`) is a WAD fraction of face
          value per unit of retired face value.
        - One PLT (1e18 wei) stands for one bond token (1e18 wei) of
          retired face value, i.e. `denomination` stablecoin units of face;
          it pays Pi * denomination stablecoin units at full funding.
        The rule (`check`, `convert`), evaluated on the latest period P
        of the debt series:
        1. not converted yet; block.timestamp < T and < bond maturity;
        2. both series have a latest observation, for the same period P,
           each published (by the source) at most `maxAge` s ago;
        3. D_P <= D* and g_P >= g* (latest versions);
        4. one bad print: the `confirmations` - 1 periods before P also
           satisfy D <= D* and g >= g* (N consecutive confirming
           periods), AND every version used above was recorded on-chain
           at least `confirmationDelay` s ago (a challenge window in
           which the oracle maintainers can correct a wrong print by a
           revision: the new version restarts the window, or fails the
           rule). The delay is always on (at least one day); N >= 1 is a
           policy choice (N = 2 waits a whole extra period).
        5. the bond has outstanding supply (a conversion of nothing would
           burn the one-off mechanism), and this contract holds the
           bond's CONVERTER_ROLE.
        tau is the block of `convert()`; P is the conversion period.
        D_tau = (1 - alpha) * D_P is recorded then and never changes:
        later revisions of P cannot undo or alter the conversion. (The
        paper's tau = max(tau_D, tau_g) lets the two thresholds be hit at
        different times; the SPEC's rule needs both on the latest data.
        So D_P <= D* and the beta leg of Pi is always 0 here; it is kept
        as the paper writes it.)
        Growth integral, left Riemann sum over observation periods, in
        years: I = sum_{i=0}^{n-1} (g_{P+i} - g*)^+ / f, where f is the
        periods per year of the series (1 or 4), the node values are the
        observations of periods P, P+1, ... (g at the left end of each
        period-long interval after tau is the latest period then known),
        and n = round((T - tau) * f / 365.25 d), the number of periods in
        [tau, T]. g_{P+i} is the latest version recorded strictly before
        T; a node without any such version holds the previous node's
        value (the last growth known). `accrue()` (anyone, any time)
        folds in new observations and revisions from the feed's update
        log; the result at T depends only on the feed's history, not on
        who calls when. After T, once every node is in, the payout is
        final: Pi is fixed, `payoutDue` = ceil(totalRetired * Pi *
        denomination / 1e36) stablecoin units.
        Payout: the sovereign (SOVEREIGN_ROLE) funds up to `payoutDue`,
        in one or several deposits. A holder that has burned b PLT in
        total is entitled to min(b * funded / totalRetired, b * Pi *
        denomination / 1e36) (both floored): pro rata while partially
        funded, and later top-ups are redeemable by burning 0 more.
        The pro-rata base is the whole retired amount (claimed or not),
        so the contract never pays out more than it was funded.
        PLT: a claimable ERC-20 (tradable, as the paper's tokens are):
        `claim(holder)` mints `BOND.retired_of(holder)` minus what was
        already claimed, O(1) and permissionless (the PLT always go to
        the holder). Transfers are blocked for blacklisted parties.
        Checks-effects-interactions and `@nonreentrant` on every function
        that calls out to the bond or the stablecoin.
        Deployment: the bond's admin must grant this contract
        `BOND.CONVERTER_ROLE()`; until then `check()` reports it.
"""

# ------------------------------------------------------------- interfaces --
from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed
from interfaces import IMacroFeed
from interfaces import IRetirableBond
from interfaces import IWhitelist

implements: IERC20
implements: IERC20Detailed

# ---------------------------------------------------------------- modules --
from snekmate.auth import ownable
from snekmate.auth import access_control
from snekmate.tokens import erc20
import modules.macro_period as macro_period

# `erc20` is the PLT: balances, allowances, EIP-2612 permit. Minting is
# only through `claim`, burning only through `redeem`; transfers are
# re-implemented below to check the blacklist, so erc20's transfer,
# transferFrom, mint, burn and minter/ownership functions are not exported.
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
# The sovereign's treasury: funds the PLT payout pool.
SOVEREIGN_ROLE: public(constant(bytes32)) = keccak256("SOVEREIGN_ROLE")

WAD: constant(uint256) = 10**18
TOKEN_UNIT: constant(uint256) = 10**18  # wei per bond token and per PLT
# One bps as a WAD fraction: 0.0001 * 1e18.
WAD_PER_BPS: constant(uint256) = 10**14
# Julian year (365.25 days), s: converts (T - tau) into periods.
YEAR: constant(uint256) = 31_557_600
DAY: constant(uint256) = 86_400

# MacroFeed series and value ranges (bps).
DEBT_TO_GDP: constant(uint8) = 1
GDP_GROWTH: constant(uint8) = 2
MAX_DEBT_BPS: constant(int256) = 100_000
MIN_GROWTH_BPS: constant(int256) = -10_000
MAX_GROWTH_BPS: constant(int256) = 100_000

# Parameter bounds.
MAX_COEFFICIENT: public(constant(uint256)) = 100 * WAD   # beta, gamma
MAX_TERM: public(constant(uint256)) = 50 * YEAR          # T - deployment
MIN_DELAY: public(constant(uint256)) = DAY               # confirmation delay
MAX_MAX_AGE: public(constant(uint256)) = 2 * YEAR        # freshness limit
MAX_CONFIRMATIONS: public(constant(uint256)) = 8
# Growth nodes: at most MAX_TERM in quarters, rounded.
MAX_NODES: public(constant(uint256)) = 200
# Log entries and nodes processed per pass of `accrue` (bounded gas; call
# again to continue).
ACCRUE_STEPS: public(constant(uint256)) = 64

# Conditions reported by `check` (0 = the rule holds), in evaluation order.
OK: public(constant(uint256)) = 0
ALREADY_CONVERTED: public(constant(uint256)) = 1
PAST_DEADLINE: public(constant(uint256)) = 2
NO_DEBT_DATA: public(constant(uint256)) = 3
NO_GROWTH_DATA: public(constant(uint256)) = 4
PERIOD_MISMATCH: public(constant(uint256)) = 5
STALE_DEBT: public(constant(uint256)) = 6
STALE_GROWTH: public(constant(uint256)) = 7
DEBT_ABOVE_THRESHOLD: public(constant(uint256)) = 8
GROWTH_BELOW_THRESHOLD: public(constant(uint256)) = 9
NOT_CONFIRMED: public(constant(uint256)) = 10
IN_DELAY: public(constant(uint256)) = 11
NO_SUPPLY: public(constant(uint256)) = 12
NOT_CONVERTER: public(constant(uint256)) = 13

# `performUpkeep` actions (abi-encoded uint256 in performData).
ACTION_CONVERT: public(constant(uint256)) = 1
ACTION_ACCRUE: public(constant(uint256)) = 2

_M64: constant(uint256) = 2**64 - 1
_M128: constant(uint256) = 2**128 - 1
# Node growth values are stored biased by 2**63 (like the MacroFeed).
_BIAS: constant(int256) = 2**63

# ---------------------------------------------------------------- storage --
struct Terms:
    debt_threshold_bps: int256    # D*, bps of GDP
    growth_threshold_bps: int256  # g*, bps a year (signed)
    alpha: uint256                # WAD, fraction retired, in (0, 1)
    beta: uint256                 # WAD, payout per unit of debt overshoot
    gamma: uint256                # WAD, payout per unit of growth integral (fraction-year)
    plt_maturity: uint256         # T, unix s
    max_age: uint256              # s, freshness limit on publication time
    confirmation_delay: uint256   # s, challenge window after the last print used
    confirmations: uint256        # N consecutive confirming periods, >= 1

BOND: public(immutable(IRetirableBond))
FEED: public(immutable(IMacroFeed))
WHITELIST: public(immutable(IWhitelist))
STABLECOIN: public(immutable(IERC20))
sovereign: public(immutable(bytes3))        # ISO-3 code in the MacroFeed
frequency: public(immutable(uint256))       # observation periods per year (1 or 4)
denomination: public(immutable(uint256))    # stablecoin units of face per bond token
bondMaturity: public(immutable(uint256))    # unix s
debtThreshold: public(immutable(int256))    # D*, bps of GDP
growthThreshold: public(immutable(int256))  # g*, bps a year
alpha: public(immutable(uint256))           # WAD
beta: public(immutable(uint256))            # WAD
gamma: public(immutable(uint256))           # WAD
pltMaturity: public(immutable(uint256))     # T, unix s
maxAge: public(immutable(uint256))          # s
confirmationDelay: public(immutable(uint256))  # s
confirmations: public(immutable(uint256))   # periods

# Conversion record (set once by `convert`).
conversionTime: public(uint256)         # tau, unix s; 0 = not converted
conversionPeriod: public(uint256)       # P, the period the rule held on
debtBeforeConversion: public(int256)    # D_tau-, bps of GDP
totalRetired: public(uint256)           # token wei retired = PLT ever claimable
nodeCount: public(uint256)              # n, periods in [tau, T]

# Growth integral.
accruedNodes: public(uint256)
growthIntegral: public(uint256)         # WAD fraction-years: sum (g - g*)^+ / f
logCursor: public(uint256)              # next MacroFeed log entry to fold in
# Node i: bits 0..63 growth + 2**63 (bps a year), bits 64..127 version
# used (0 = held from the previous node).
_nodes: HashMap[uint256, uint256]

# Payout.
payoutFinal: public(bool)
payoutRate: public(uint256)             # Pi, WAD fraction of face per unit retired
payoutDue: public(uint256)              # stablecoin units
payoutFunded: public(uint256)           # stablecoin units
payoutPaid: public(uint256)             # stablecoin units, lifetime total
pltClaimed: public(HashMap[address, uint256])  # PLT wei minted to each holder
# Per holder: bits 0..127 PLT wei burned for the payout, bits 128..255 paid.
_redeemed: HashMap[address, uint256]

# ----------------------------------------------------------------- events --
event Converted:
    caller: indexed(address)
    period: uint256
    debt_before_bps: int256
    debt_after_wad: uint256
    growth_bps: int256
    alpha: uint256
    total_retired: uint256
    node_count: uint256

event PLTClaimed:
    holder: indexed(address)
    caller: indexed(address)
    amount: uint256

event GrowthAccrued:
    node: indexed(uint256)
    period: uint256
    growth_bps: int256
    version: uint256
    integral: uint256

event PayoutFinalised:
    growth_integral: uint256
    debt_after_wad: uint256
    payout_rate: uint256
    due: uint256

event PayoutFunded:
    sovereign: indexed(address)
    amount: uint256
    funded: uint256
    due: uint256

event PayoutRedeemed:
    holder: indexed(address)
    burned: uint256
    paid: uint256


# ------------------------------------------------------------ constructor --
@deploy
def __init__(
    bond_: IRetirableBond,
    feed_: IMacroFeed,
    sovereign_: bytes3,
    terms_: Terms,
    admin_: address,
    treasury_: address,
    name_: String[25],
    symbol_: String[5],
):
    """
    @notice Every parameter is checked here and immutable afterwards: no
            role can change the rule.
    @param sovereign_ The bond issuer's ISO-3 code, registered in `feed_`.
    @param admin_ Receives DEFAULT_ADMIN_ROLE (trustee); the deployer keeps nothing.
    @param treasury_ Receives SOVEREIGN_ROLE (funds the payout pool).
    @param name_ PLT name, e.g. "Bondline PLT ITA 2031".
    """
    assert bond_.address != empty(address), "tsdcm: bond is the zero address"
    assert feed_.address != empty(address), "tsdcm: feed is the zero address"
    assert admin_ != empty(address), "tsdcm: admin is the zero address"
    assert treasury_ != empty(address), "tsdcm: treasury is the zero address"
    frequency_: uint256 = staticcall feed_.frequency(sovereign_)
    assert frequency_ != 0, "tsdcm: sovereign not in the macro feed"
    assert not staticcall bond_.converted(), "tsdcm: bond already converted"
    bond_maturity: uint256 = staticcall bond_.maturityDate()
    assert bond_maturity > block.timestamp, "tsdcm: bond matured"

    t: Terms = terms_
    assert t.debt_threshold_bps > 0 and t.debt_threshold_bps <= MAX_DEBT_BPS, "tsdcm: debt threshold out of range"
    assert t.growth_threshold_bps >= MIN_GROWTH_BPS and t.growth_threshold_bps <= MAX_GROWTH_BPS, "tsdcm: growth threshold out of range"
    assert t.alpha > 0 and t.alpha < WAD, "tsdcm: alpha outside (0, 1)"
    assert t.beta <= MAX_COEFFICIENT, "tsdcm: beta above 100"
    assert t.gamma <= MAX_COEFFICIENT, "tsdcm: gamma above 100"
    assert t.plt_maturity > block.timestamp, "tsdcm: PLT maturity not in the future"
    assert t.plt_maturity <= block.timestamp + MAX_TERM, "tsdcm: PLT maturity beyond 50 years"
    assert t.max_age >= MIN_DELAY and t.max_age <= MAX_MAX_AGE, "tsdcm: freshness limit outside [1 day, 2 years]"
    assert t.confirmation_delay >= MIN_DELAY, "tsdcm: confirmation delay under 1 day"
    assert t.confirmation_delay < t.max_age, "tsdcm: confirmation delay not below freshness limit"
    assert t.confirmations >= 1 and t.confirmations <= MAX_CONFIRMATIONS, "tsdcm: confirmations outside [1, 8]"

    # The payout must never overflow, whatever the data: (a) totalRetired *
    # Pi * denomination (`_finalise`, `_entitlement`) fits in 256 bits and
    # (b) the payout due fits in 128 bits (so burned * funded fits, and an
    # amount paid fits its half of `_redeemed`). totalRetired <= issue
    # volume; Pi <= max_rate (WAD), taking the largest overshoot D* and the
    # largest growth excess (MAX_GROWTH - g*) in every node:
    #   max_rate = beta * D*_wad / WAD + gamma * excess_wad * MAX_NODES / WAD
    denomination_: uint256 = staticcall bond_.denomination()
    issue_volume: uint256 = staticcall bond_.issueVolume()
    excess_max: uint256 = convert(MAX_GROWTH_BPS - t.growth_threshold_bps, uint256) * WAD_PER_BPS
    max_rate: uint256 = (t.beta * convert(t.debt_threshold_bps, uint256) * WAD_PER_BPS + t.gamma * excess_max * MAX_NODES) // WAD + 1
    assert issue_volume <= (max_value(uint256) - WAD * TOKEN_UNIT) // max_rate // denomination_, "tsdcm: payout could overflow"
    assert issue_volume * max_rate * denomination_ // (WAD * TOKEN_UNIT) < _M128, "tsdcm: payout could overflow"

    ownable.__init__()
    # erc20's constructor also marks the deployer in its own (unused)
    # `is_minter` map; PLT are minted only by `claim`.
    erc20.__init__(name_, symbol_, 18, name_, "1")
    access_control.__init__()
    access_control._grant_role(SOVEREIGN_ROLE, treasury_)
    if admin_ != msg.sender:
        access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, admin_)
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)

    BOND = bond_
    FEED = feed_
    WHITELIST = IWhitelist(staticcall bond_.WHITELIST())
    STABLECOIN = IERC20(staticcall bond_.STABLECOIN())
    sovereign = sovereign_
    frequency = frequency_
    denomination = denomination_
    bondMaturity = bond_maturity
    debtThreshold = t.debt_threshold_bps
    growthThreshold = t.growth_threshold_bps
    alpha = t.alpha
    beta = t.beta
    gamma = t.gamma
    pltMaturity = t.plt_maturity
    maxAge = t.max_age
    confirmationDelay = t.confirmation_delay
    confirmations = t.confirmations


# ------------------------------------------------------ external: trigger --
@external
@nonreentrant
def convert() -> uint256:
    """
    @notice Retire alpha of every holder's bond tokens, once, exactly when
            the rule holds (see `check`); anyone may call. Reverts with the
            first failing condition otherwise.
    @return Total retired, token wei (the PLT claimable in total).
    """
    return self._convert()


@external
@view
def check() -> (bool, uint256, String[64]):
    """
    @notice Whether `convert()` would succeed now, and if not the first
            failing condition (see the condition constants) and the
            revert string `convert()` would give.
    @return (holds, condition code, reason)
    """
    condition: uint256 = self._rule()[0]
    return (condition == OK, condition, self._reason(condition))


@external
@view
def checkUpkeep(check_data: Bytes[1024]) -> (bool, Bytes[32]):
    """
    @notice Chainlink Automation: upkeep is needed to convert (rule holds)
            and, after the conversion, whenever `accrue` has work (new
            observations, nodes to hold at T, or the payout to finalise).
    @return (upkeepNeeded, performData = abi_encode(action))
    """
    if not self._converted():
        if self._rule()[0] == OK:
            return (True, abi_encode(ACTION_CONVERT))
        return (False, b"")
    if self._accrual_pending():
        return (True, abi_encode(ACTION_ACCRUE))
    return (False, b"")


@external
@nonreentrant
def performUpkeep(perform_data: Bytes[32]):
    """
    @notice Chainlink Automation: do what `checkUpkeep` asked for. Anyone
            may call; every condition is checked again here.
    """
    action: uint256 = abi_decode(perform_data, uint256)
    if action == ACTION_CONVERT:
        self._convert()
    elif action == ACTION_ACCRUE:
        assert self._converted(), "tsdcm: not converted"
        self._accrue()
    else:
        raise "tsdcm: unknown upkeep action"


# ---------------------------------------------------- external: integral --
@external
@nonreentrant
def accrue() -> bool:
    """
    @notice Fold new growth observations and revisions into the integral
            (at most ACCRUE_STEPS log entries and nodes per call) and, from
            T on, finalise the payout. Anyone may call, any time: the
            result depends only on the MacroFeed's history.
    @return Whether the payout is final.
    """
    assert self._converted(), "tsdcm: not converted"
    self._accrue()
    return self.payoutFinal


# --------------------------------------------------------- external: PLT --
@external
@nonreentrant
def claim(holder: address) -> uint256:
    """
    @notice Mint `holder`'s performance-linked tokens: its retired bond
            amount minus what it already claimed. Anyone may call; the PLT
            always go to `holder`.
    @return PLT wei minted.
    """
    assert self._converted(), "tsdcm: not converted"
    assert not staticcall WHITELIST.is_blocked(holder), "tsdcm: account blocked"
    retired: uint256 = staticcall BOND.retired_of(holder)
    claimed: uint256 = self.pltClaimed[holder]
    # retired_of is fixed from the conversion on and claimed <= retired.
    amount: uint256 = retired - claimed
    assert amount > 0, "tsdcm: nothing to claim"
    self.pltClaimed[holder] = retired
    erc20._mint(holder, amount)
    log PLTClaimed(holder=holder, caller=msg.sender, amount=amount)
    return amount


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Move `amount` PLT wei. Blocked when either party is blacklisted.
    """
    assert staticcall WHITELIST.are_unblocked(msg.sender, to), "tsdcm: account blocked"
    erc20._transfer(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    assert staticcall WHITELIST.are_unblocked(owner, to), "tsdcm: account blocked"
    erc20._spend_allowance(owner, msg.sender, amount)
    erc20._transfer(owner, to, amount)
    return True


# ------------------------------------------------------ external: payout --
@external
@nonreentrant
def fund_payout(amount: uint256):
    """
    @notice The sovereign deposits `amount` stablecoin units into the payout
            pool (after T, once the payout is final). Partial funding is
            paid pro rata; later top-ups add to it, up to `payoutDue`.
    """
    access_control._check_role(SOVEREIGN_ROLE, msg.sender)
    assert amount > 0, "tsdcm: zero amount"
    assert self._converted(), "tsdcm: not converted"
    self._accrue()
    assert self.payoutFinal, "tsdcm: payout not final"
    funded: uint256 = self.payoutFunded + amount
    due: uint256 = self.payoutDue
    assert funded <= due, "tsdcm: funding exceeds payout due"
    self.payoutFunded = funded
    log PayoutFunded(sovereign=msg.sender, amount=amount, funded=funded, due=due)
    assert extcall STABLECOIN.transferFrom(msg.sender, self, amount, default_return_value=True), "tsdcm: stablecoin transferFrom failed"


@external
@nonreentrant
def redeem(amount: uint256) -> uint256:
    """
    @notice Burn `amount` PLT wei (may be 0) and receive the payout for
            every PLT burned so far: Pi * denomination per PLT at full
            funding, pro rata to the funded pool otherwise. Verified
            holders only.
    @return Stablecoin units paid now.
    """
    assert staticcall WHITELIST.is_verified(msg.sender), "tsdcm: holder not verified"
    assert self.payoutFinal, "tsdcm: payout not final"
    funded: uint256 = self.payoutFunded
    assert funded > 0, "tsdcm: payout not funded"
    record: uint256 = self._redeemed[msg.sender]
    burned: uint256 = (record & _M128) + amount
    if amount > 0:
        erc20._burn(msg.sender, amount)
    entitled: uint256 = self._entitlement(burned, funded)
    paid: uint256 = record >> 128
    # entitled is non-decreasing in burned and funded, so entitled >= paid.
    payout: uint256 = entitled - paid
    assert payout > 0, "tsdcm: nothing to redeem"
    self._redeemed[msg.sender] = burned | (entitled << 128)
    self.payoutPaid += payout
    log PayoutRedeemed(holder=msg.sender, burned=amount, paid=payout)
    assert extcall STABLECOIN.transfer(msg.sender, payout, default_return_value=True), "tsdcm: stablecoin transfer failed"
    return payout


# ------------------------------------------------------------------- view --
@external
@view
def converted() -> bool:
    return self._converted()


@external
@view
def debtAfterConversion() -> uint256:
    """
    @return D_tau = (1 - alpha) * D_tau-, WAD fraction of GDP (0 before the conversion).
    """
    return self._debt_after()


@external
@view
def claimable(holder: address) -> uint256:
    """
    @return PLT wei `claim(holder)` would mint now.
    """
    if not self._converted():
        return 0
    return staticcall BOND.retired_of(holder) - self.pltClaimed[holder]


@external
@view
def redeemable(holder: address, amount: uint256) -> uint256:
    """
    @return Stablecoin units `redeem(amount)` would pay `holder` now
            (ignores verification and the holder's PLT balance).
    """
    funded: uint256 = self.payoutFunded
    if not self.payoutFinal or funded == 0:
        return 0
    record: uint256 = self._redeemed[holder]
    return self._entitlement((record & _M128) + amount, funded) - (record >> 128)


@external
@view
def redemption_of(holder: address) -> (uint256, uint256):
    """
    @return (PLT wei burned for the payout, stablecoin units paid so far)
    """
    record: uint256 = self._redeemed[holder]
    return (record & _M128, record >> 128)


@external
@view
def node(index: uint256) -> (uint256, int256, uint256):
    """
    @notice Growth node `index` of the integral (accrued ones only).
    @return (period, growth [bps a year], MacroFeed version; 0 = held from
            the previous node)
    """
    assert index < self.accruedNodes, "tsdcm: node not accrued"
    word: uint256 = self._nodes[index]
    return (self._node_period(index), self._node_growth(word), word >> 64)


@external
@view
def accrual_pending() -> bool:
    """
    @notice Whether `accrue()` would change something now.
    """
    return self._converted() and self._accrual_pending()


# --------------------------------------------------------------- internal --
@internal
@view
def _converted() -> bool:
    return self.conversionTime != 0


@internal
@view
def _debt_after() -> uint256:
    # D_tau = (1 - alpha) * D_tau-, WAD fraction of GDP:
    #   D_tau- [bps] * WAD_PER_BPS * (WAD - alpha) / WAD  (D_tau- >= 0)
    return convert(self.debtBeforeConversion, uint256) * WAD_PER_BPS * (WAD - alpha) // WAD


@internal
@view
def _rule() -> (uint256, uint256, int256, int256):
    """
    @dev The conversion rule (see the header), condition by condition.
    @return (first failing condition or OK, period P, D_P [bps], g_P [bps])
    """
    if self._converted():
        return (ALREADY_CONVERTED, 0, 0, 0)
    if block.timestamp >= pltMaturity or block.timestamp >= bondMaturity:
        return (PAST_DEADLINE, 0, 0, 0)

    period: uint256 = 0
    debt: int256 = 0
    debt_published: uint256 = 0
    debt_recorded: uint256 = 0
    version: uint256 = 0
    period, debt, debt_published, debt_recorded, version = staticcall FEED.latest(sovereign, DEBT_TO_GDP)
    if version == 0:
        return (NO_DEBT_DATA, 0, 0, 0)
    growth_period: uint256 = 0
    growth: int256 = 0
    growth_published: uint256 = 0
    growth_recorded: uint256 = 0
    growth_period, growth, growth_published, growth_recorded, version = staticcall FEED.latest(sovereign, GDP_GROWTH)
    if version == 0:
        return (NO_GROWTH_DATA, 0, 0, 0)
    if growth_period != period:
        return (PERIOD_MISMATCH, 0, 0, 0)
    # published_at <= block.timestamp (MacroFeed checks it at report time)
    if block.timestamp - debt_published > maxAge:
        return (STALE_DEBT, 0, 0, 0)
    if block.timestamp - growth_published > maxAge:
        return (STALE_GROWTH, 0, 0, 0)
    if debt > debtThreshold:
        return (DEBT_ABOVE_THRESHOLD, 0, 0, 0)
    if growth < growthThreshold:
        return (GROWTH_BELOW_THRESHOLD, 0, 0, 0)

    # N consecutive confirming periods: P-1, ..., P-(N-1) hold too.
    last_recorded: uint256 = max(debt_recorded, growth_recorded)
    ordinal: uint256 = macro_period._ordinal(period, frequency)
    for i: uint256 in range(1, MAX_CONFIRMATIONS):
        if i >= confirmations:
            break
        previous: uint256 = macro_period._from_ordinal(ordinal - i, frequency)
        value: int256 = 0
        published: uint256 = 0
        recorded: uint256 = 0
        value, published, recorded, version = staticcall FEED.observation(sovereign, DEBT_TO_GDP, previous)
        if version == 0 or value > debtThreshold:
            return (NOT_CONFIRMED, 0, 0, 0)
        last_recorded = max(last_recorded, recorded)
        value, published, recorded, version = staticcall FEED.observation(sovereign, GDP_GROWTH, previous)
        if version == 0 or value < growthThreshold:
            return (NOT_CONFIRMED, 0, 0, 0)
        last_recorded = max(last_recorded, recorded)

    # Challenge window: every version used was recorded >= delay ago.
    if block.timestamp < last_recorded + confirmationDelay:
        return (IN_DELAY, 0, 0, 0)
    if staticcall BOND.totalSupply() == 0:
        return (NO_SUPPLY, 0, 0, 0)
    if not staticcall BOND.hasRole(staticcall BOND.CONVERTER_ROLE(), self):
        return (NOT_CONVERTER, 0, 0, 0)
    return (OK, period, debt, growth)


@internal
@pure
def _reason(condition: uint256) -> String[64]:
    if condition == OK:
        return "tsdcm: rule holds"
    if condition == ALREADY_CONVERTED:
        return "tsdcm: already converted"
    if condition == PAST_DEADLINE:
        return "tsdcm: past the conversion deadline"
    if condition == NO_DEBT_DATA:
        return "tsdcm: no debt observation"
    if condition == NO_GROWTH_DATA:
        return "tsdcm: no growth observation"
    if condition == PERIOD_MISMATCH:
        return "tsdcm: debt and growth periods differ"
    if condition == STALE_DEBT:
        return "tsdcm: stale debt observation"
    if condition == STALE_GROWTH:
        return "tsdcm: stale growth observation"
    if condition == DEBT_ABOVE_THRESHOLD:
        return "tsdcm: debt above threshold"
    if condition == GROWTH_BELOW_THRESHOLD:
        return "tsdcm: growth below threshold"
    if condition == NOT_CONFIRMED:
        return "tsdcm: previous periods do not confirm"
    if condition == IN_DELAY:
        return "tsdcm: confirmation delay not over"
    if condition == NO_SUPPLY:
        return "tsdcm: bond has no outstanding supply"
    return "tsdcm: not the bond's converter"


@internal
def _convert() -> uint256:
    condition: uint256 = 0
    period: uint256 = 0
    debt: int256 = 0
    growth: int256 = 0
    condition, period, debt, growth = self._rule()
    if condition != OK:
        raise self._reason(condition)

    # n = round((T - tau) * f / YEAR): the periods in [tau, T]
    # (T > block.timestamp: checked by `_rule`).
    nodes: uint256 = min(((pltMaturity - block.timestamp) * frequency + YEAR // 2) // YEAR, MAX_NODES)
    self.conversionTime = block.timestamp
    self.conversionPeriod = period
    self.debtBeforeConversion = debt
    self.nodeCount = nodes
    # Log entries recorded so far are read directly at each node.
    self.logCursor = staticcall FEED.update_count(sovereign)

    # Interaction with the (trusted, immutable) bond last; its return value
    # is the total retired.
    retired: uint256 = extcall BOND.retire_fraction(alpha)
    self.totalRetired = retired
    log Converted(caller=msg.sender, period=period, debt_before_bps=debt, debt_after_wad=self._debt_after(), growth_bps=growth, alpha=alpha, total_retired=retired, node_count=nodes)
    return retired


@internal
def _accrue():
    """
    @dev 1) Fold the MacroFeed log entries recorded since the last call
         (and before T) into the nodes already accrued (revisions).
         2) Once caught up, accrue the next nodes: the latest version of
         their period recorded before T; from T on, a node without one
         holds the previous node's value.
         3) From T on, with every node in, finalise the payout.
    """
    if self.payoutFinal:
        return
    first_ordinal: uint256 = macro_period._ordinal(self.conversionPeriod, frequency)
    accrued: uint256 = self.accruedNodes
    integral: uint256 = self.growthIntegral
    cursor: uint256 = self.logCursor
    length: uint256 = staticcall FEED.update_count(sovereign)

    # 1) Revisions of accrued nodes, in recording order.
    caught_up: bool = False
    for _: uint256 in range(ACCRUE_STEPS):
        if cursor >= length:
            break
        series: uint8 = 0
        period: uint256 = 0
        value: int256 = 0
        published: uint256 = 0
        recorded: uint256 = 0
        version: uint256 = 0
        series, period, value, published, recorded, version = staticcall FEED.update_at(sovereign, cursor)
        if recorded >= pltMaturity:
            # Nothing recorded from T on counts (the log is in time order).
            caught_up = True
            break
        cursor += 1
        if series == GDP_GROWTH:
            ordinal: uint256 = macro_period._ordinal(period, frequency)
            if ordinal >= first_ordinal and ordinal - first_ordinal < accrued:
                integral = self._set_node(ordinal - first_ordinal, value, version, integral)
    if cursor >= length:
        caught_up = True
    self.logCursor = cursor

    # 2) New nodes (only when no older log entry is pending, so a node
    # never skips a revision recorded before it was read).
    if caught_up:
        nodes: uint256 = self.nodeCount
        for _: uint256 in range(ACCRUE_STEPS):
            if accrued >= nodes:
                break
            value: int256 = 0
            published: uint256 = 0
            recorded: uint256 = 0
            version: uint256 = 0
            value, published, recorded, version = staticcall FEED.observation_before(sovereign, GDP_GROWTH, self._node_period(accrued), pltMaturity)
            if version == 0:
                if block.timestamp < pltMaturity:
                    break  # not published yet: wait
                # Left Riemann: hold the last growth known (node 0 is the
                # conversion period, which always has data).
                value = self._node_growth(self._nodes[accrued - 1])
            integral = self._add_node(accrued, value, version, integral)
            accrued += 1
        self.accruedNodes = accrued
    self.growthIntegral = integral

    # 3) Final payout.
    if caught_up and accrued >= self.nodeCount and block.timestamp >= pltMaturity:
        self._finalise(integral)


@internal
def _finalise(integral: uint256):
    # Pi = beta * max(D_tau - D*, 0) + gamma * I, WAD fraction of face
    # (D in WAD fractions of GDP, I in WAD fraction-years)
    debt_after: uint256 = self._debt_after()
    threshold: uint256 = convert(debtThreshold, uint256) * WAD_PER_BPS
    overshoot: uint256 = 0
    if debt_after > threshold:
        overshoot = debt_after - threshold
    rate: uint256 = beta * overshoot // WAD + gamma * integral // WAD
    # due = ceil(totalRetired * Pi * denomination / (WAD * TOKEN_UNIT)), stablecoin units
    due: uint256 = (self.totalRetired * rate * denomination + WAD * TOKEN_UNIT - 1) // (WAD * TOKEN_UNIT)
    self.payoutRate = rate
    self.payoutDue = due
    self.payoutFinal = True
    log PayoutFinalised(growth_integral=integral, debt_after_wad=debt_after, payout_rate=rate, due=due)


@internal
def _add_node(index: uint256, growth: int256, version: uint256, integral: uint256) -> uint256:
    # I += (g - g*)^+ / f, WAD fraction-years
    new_integral: uint256 = integral + self._excess(growth)
    self._nodes[index] = convert(growth + _BIAS, uint256) | (version << 64)
    log GrowthAccrued(node=index, period=self._node_period(index), growth_bps=growth, version=version, integral=new_integral)
    return new_integral


@internal
def _set_node(index: uint256, growth: int256, version: uint256, integral: uint256) -> uint256:
    """
    @dev A revision of an accrued node: replace its term in the sum if the
         version is newer than the one used.
    """
    word: uint256 = self._nodes[index]
    if version <= word >> 64:
        return integral
    # I := I - (g_old - g*)^+ / f + (g_new - g*)^+ / f; I includes the old term.
    new_integral: uint256 = integral - self._excess(self._node_growth(word)) + self._excess(growth)
    self._nodes[index] = convert(growth + _BIAS, uint256) | (version << 64)
    log GrowthAccrued(node=index, period=self._node_period(index), growth_bps=growth, version=version, integral=new_integral)
    return new_integral


@internal
@view
def _excess(growth: int256) -> uint256:
    # (g - g*)^+ [bps] * WAD_PER_BPS / f: WAD fraction-years for one
    # period of 1/f year; exact (10**14 is divisible by 4).
    if growth <= growthThreshold:
        return 0
    return convert(growth - growthThreshold, uint256) * WAD_PER_BPS // frequency


@internal
@view
def _node_period(index: uint256) -> uint256:
    return macro_period._from_ordinal(macro_period._ordinal(self.conversionPeriod, frequency) + index, frequency)


@internal
@pure
def _node_growth(word: uint256) -> int256:
    # growth = stored 64-bit field - 2**63, bps a year
    return convert(word & _M64, int256) - _BIAS


@internal
@view
def _entitlement(burned: uint256, funded: uint256) -> uint256:
    # entitled = min(burned * funded / totalRetired,
    #                burned * Pi * denomination / (WAD * TOKEN_UNIT)), stablecoin units
    pro_rata: uint256 = burned * funded // self.totalRetired
    full: uint256 = burned * self.payoutRate * denomination // (WAD * TOKEN_UNIT)
    return min(pro_rata, full)


@internal
@view
def _accrual_pending() -> bool:
    if self.payoutFinal:
        return False
    cursor: uint256 = self.logCursor
    if cursor < staticcall FEED.update_count(sovereign):
        series: uint8 = 0
        period: uint256 = 0
        value: int256 = 0
        published: uint256 = 0
        recorded: uint256 = 0
        version: uint256 = 0
        series, period, value, published, recorded, version = staticcall FEED.update_at(sovereign, cursor)
        if recorded < pltMaturity:
            return True
    if block.timestamp >= pltMaturity:
        return True  # hold missing nodes and finalise
    accrued: uint256 = self.accruedNodes
    if accrued >= self.nodeCount:
        return False
    value: int256 = 0
    published: uint256 = 0
    recorded: uint256 = 0
    version: uint256 = 0
    value, published, recorded, version = staticcall FEED.observation_before(sovereign, GDP_GROWTH, self._node_period(accrued), pltMaturity)
    return version != 0
