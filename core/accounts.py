"""Dashboard accounts and what each role may do (pure).

    auditor  reads everything: queue, cases, banks, audit log, compliance
    reviewer + decides cases
    admin    + manages banks and accounts

The password is kept only as a memory-hard hash (the web layer makes it);
``epoch`` changes whenever the hash does, which ends every session of the
account.
"""

import enum
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from core.errors import AuthorisationError, InputError

__all__ = ["Permission", "Role", "User", "check", "valid_name"]

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


class Role(enum.Enum):
    AUDITOR = "auditor"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class Permission(enum.Enum):
    READ = "read"
    DECIDE = "decide"
    MANAGE_BANKS = "manage_banks"
    MANAGE_USERS = "manage_users"


_GRANTS = {
    Role.AUDITOR: frozenset({Permission.READ}),
    Role.REVIEWER: frozenset({Permission.READ, Permission.DECIDE}),
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role
    password_hash: str
    created_at: datetime
    created_by: str = ""
    signed_out_at: datetime | None = None  # when its owner last signed out
    language: str = ""  # its owner's choice ("" until chosen: the browser's applies)
    timezone: str = ""  # its owner's choice ("" until chosen: the deployment's applies)

    @property
    def actor(self) -> str:
        """How the account appears in the audit log and on decisions."""
        return f"web:{self.name}"

    @property
    def epoch(self) -> str:
        """Changes with the password hash and at every sign-out, so a new password or
        signing out ends every session (a copied cookie included)."""
        signed_out = self.signed_out_at.isoformat() if self.signed_out_at else ""
        return hashlib.sha256(f"{self.password_hash}|{signed_out}".encode()).hexdigest()[:16]

    def may(self, permission: Permission) -> bool:
        return permission in _GRANTS[self.role]


def check(user: User, permission: Permission) -> None:
    """Raise ``AuthorisationError`` unless ``user``'s role grants ``permission``."""
    if not user.may(permission):
        raise AuthorisationError(
            f"{user.name} ({user.role.value}) may not {permission.value.replace('_', ' ')}"
        )


def valid_name(name: str) -> str:
    """An account name: lower-case letters, digits, '.', '_' and '-', up to 64."""
    if not _NAME.fullmatch(name):
        raise InputError(
            f"{name[:80]!r}: account names are 1-64 of a-z, 0-9, '.', '_', '-' "
            "(starting with a letter or digit)"
        )
    return name
