# pragma version ~=0.4.3
"""
@title bondline Whitelist (investor identity registry)
@license GNU Affero General Public License v3.0 only
@notice Records which addresses passed KYC (with an expiry and a
        jurisdiction) and which are blacklisted (sanctions). Every other
        bondline contract asks it `is_verified` (primary market, coupon
        claims, redemption) or `is_blocked` (holding, transfers, AMM).
@custom:security Each account's whole record is packed into one storage
        word so that every check is a single SLOAD (O(1), no loops). The
        blacklist works for addresses that were never registered, and a
        blacklisted account is never verified, whatever its expiry.
        Roles: `DEFAULT_ADMIN_ROLE` manages roles; `KYC_OPERATOR_ROLE`
        registers, renews and revokes; `COMPLIANCE_ROLE` blacklists.
"""

# ---------------------------------------------------------------- modules --
from snekmate.auth import access_control
initializes: access_control

exports: (
    # Role management: grantRole/revokeRole/renounceRole are gated by
    # each role's admin role (DEFAULT_ADMIN_ROLE unless changed).
    access_control.supportsInterface,
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
    access_control.set_role_admin,
)

# -------------------------------------------------------------- constants --
KYC_OPERATOR_ROLE: public(constant(bytes32)) = keccak256("KYC_OPERATOR_ROLE")
COMPLIANCE_ROLE: public(constant(bytes32)) = keccak256("COMPLIANCE_ROLE")

# Maximum number of investors in one batch call (bounds the loop).
MAX_BATCH: public(constant(uint256)) = 100

# Packed record layout (one uint256 per account):
#   bits   0..63  expiry       unix seconds; verified while block.timestamp < expiry
#   bits  64..79  jurisdiction ISO 3166-1 numeric code (e.g. 380 = Italy), 0 = unknown
#   bit   80      registered   set by the KYC operator, cleared by revoke
#   bit   81      blocked      set by compliance (sanctions blacklist)
_EXPIRY_MASK: constant(uint256) = 2**64 - 1
_JURISDICTION_SHIFT: constant(uint256) = 64
_JURISDICTION_MASK: constant(uint256) = 2**16 - 1
_REGISTERED_BIT: constant(uint256) = 2**80
_BLOCKED_BIT: constant(uint256) = 2**81

# ---------------------------------------------------------------- storage --
_records: HashMap[address, uint256]

# ----------------------------------------------------------------- events --
event InvestorRegistered:
    account: indexed(address)
    expiry: uint256
    jurisdiction: uint16
    operator: indexed(address)

event InvestorRevoked:
    account: indexed(address)
    operator: indexed(address)

event AccountBlacklisted:
    account: indexed(address)
    reason: String[64]
    officer: indexed(address)

event AccountUnblacklisted:
    account: indexed(address)
    officer: indexed(address)


# ------------------------------------------------------------ constructor --
@deploy
def __init__(admin: address):
    """
    @notice `admin` receives DEFAULT_ADMIN_ROLE; the deployer keeps nothing.
    @param admin The account (multisig) that manages roles.
    """
    assert admin != empty(address), "whitelist: admin is the zero address"
    access_control.__init__()
    if admin != msg.sender:
        access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, admin)
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)


# --------------------------------------------------------------- external --
@external
def register(account: address, expiry: uint256, jurisdiction: uint16):
    """
    @notice Register (or renew) a KYC-verified investor until `expiry`.
    @dev Keeps the blacklist bit: registering never unblocks an account.
    @param account Investor address.
    @param expiry Unix timestamp (seconds) after which the KYC lapses.
    @param jurisdiction ISO 3166-1 numeric country code.
    """
    access_control._check_role(KYC_OPERATOR_ROLE, msg.sender)
    self._register(account, expiry, jurisdiction)


@external
def register_batch(accounts: DynArray[address, MAX_BATCH], expiries: DynArray[uint256, MAX_BATCH], jurisdictions: DynArray[uint16, MAX_BATCH]):
    """
    @notice Register up to `MAX_BATCH` investors in one transaction.
    @dev All-or-nothing: one invalid entry reverts the whole batch.
    """
    access_control._check_role(KYC_OPERATOR_ROLE, msg.sender)
    n: uint256 = len(accounts)
    assert n > 0, "whitelist: empty batch"
    assert len(expiries) == n and len(jurisdictions) == n, "whitelist: batch length mismatch"
    for i: uint256 in range(n, bound=MAX_BATCH):
        self._register(accounts[i], expiries[i], jurisdictions[i])


@external
def revoke(account: address):
    """
    @notice Withdraw an investor's KYC status (e.g. a failed re-check).
    """
    access_control._check_role(KYC_OPERATOR_ROLE, msg.sender)
    record: uint256 = self._records[account]
    assert record & _REGISTERED_BIT != 0, "whitelist: account not registered"
    # Clear expiry, jurisdiction and the registered bit; keep the blocked bit.
    self._records[account] = record & _BLOCKED_BIT
    log InvestorRevoked(account=account, operator=msg.sender)


@external
def blacklist(account: address, reason: String[64]):
    """
    @notice Block `account` everywhere in bondline (sanctions).
    @param reason Short human-readable reference (case id, list name).
    """
    access_control._check_role(COMPLIANCE_ROLE, msg.sender)
    assert account != empty(address), "whitelist: zero address"
    record: uint256 = self._records[account]
    assert record & _BLOCKED_BIT == 0, "whitelist: already blacklisted"
    self._records[account] = record | _BLOCKED_BIT
    log AccountBlacklisted(account=account, reason=reason, officer=msg.sender)


@external
def unblacklist(account: address):
    """
    @notice Lift a blacklisting. The KYC registration, if any, is kept.
    """
    access_control._check_role(COMPLIANCE_ROLE, msg.sender)
    record: uint256 = self._records[account]
    assert record & _BLOCKED_BIT != 0, "whitelist: not blacklisted"
    self._records[account] = record & ~_BLOCKED_BIT
    log AccountUnblacklisted(account=account, officer=msg.sender)


# ------------------------------------------------------------------- view --
@external
@view
def is_verified(account: address) -> bool:
    """
    @notice Registered, KYC not expired, and not blacklisted. One SLOAD.
    """
    return self._is_verified(self._records[account])


@external
@view
def is_blocked(account: address) -> bool:
    """
    @notice Blacklisted (sanctions). One SLOAD.
    """
    return self._records[account] & _BLOCKED_BIT != 0


@external
@view
def are_unblocked(a: address, b: address) -> bool:
    """
    @notice True when neither `a` nor `b` is blacklisted: the check a
            token transfer needs, in one call (two SLOADs).
    """
    return (self._records[a] | self._records[b]) & _BLOCKED_BIT == 0


@external
@view
def investor(account: address) -> (bool, bool, bool, uint256, uint16):
    """
    @notice The full record, decoded.
    @return (verified, registered, blocked, expiry [unix s], jurisdiction [ISO 3166-1 numeric])
    """
    record: uint256 = self._records[account]
    return (
        self._is_verified(record),
        record & _REGISTERED_BIT != 0,
        record & _BLOCKED_BIT != 0,
        record & _EXPIRY_MASK,
        convert((record >> _JURISDICTION_SHIFT) & _JURISDICTION_MASK, uint16),
    )


# --------------------------------------------------------------- internal --
@internal
@view
def _is_verified(record: uint256) -> bool:
    if record & (_REGISTERED_BIT | _BLOCKED_BIT) != _REGISTERED_BIT:
        return False
    return block.timestamp < record & _EXPIRY_MASK


@internal
def _register(account: address, expiry: uint256, jurisdiction: uint16):
    assert account != empty(address), "whitelist: zero address"
    assert expiry > block.timestamp, "whitelist: expiry not in the future"
    assert expiry <= _EXPIRY_MASK, "whitelist: expiry out of range"
    blocked: uint256 = self._records[account] & _BLOCKED_BIT
    self._records[account] = (
        blocked
        | _REGISTERED_BIT
        | (convert(jurisdiction, uint256) << _JURISDICTION_SHIFT)
        | expiry
    )
    log InvestorRegistered(account=account, expiry=expiry, jurisdiction=jurisdiction, operator=msg.sender)
