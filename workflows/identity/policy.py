"""Who may log in with a local password, and who must add a second factor.

An installation that signs its users in through identity providers can switch local passwords off
(LOCAL_LOGIN = False) except for named break-glass administrators (BREAK_GLASS_ADMINS), who keep a way in
when the identity provider is down. Two-factor sign-in (TOTP) is required for a user an administrator
marked, for every user with a TOTP secret enrolled, and for administrators with local accounts wherever
ADMIN_TOTP holds (by default in production, not in the demo).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..directory import ADMIN, User


@dataclass(frozen=True)
class LocalLoginPolicy:
    local_login: bool = True
    break_glass: frozenset[str] = frozenset()
    admin_totp: bool = False

    @classmethod
    def from_settings(cls, local_login: bool, break_glass: str, admin_totp: bool) -> LocalLoginPolicy:
        names = frozenset(n.strip().lower() for n in (break_glass or "").split(",") if n.strip())
        return cls(bool(local_login), names, bool(admin_totp))

    @property
    def form_shown(self) -> bool:
        """Whether the login page shows the password form (to everyone, or to the break-glass few)."""
        return self.local_login or bool(self.break_glass)

    def may_use_password(self, username: str, user: User | None) -> bool:
        """Checked before the password: with local passwords off only a break-glass administrator may."""
        if self.local_login:
            return True
        return username.strip().lower() in self.break_glass and (user is None or user.has_role(ADMIN))

    def must_use_totp(self, user: User, enrolled: bool, required: bool) -> bool:
        if enrolled or required:
            return True
        if self.admin_totp and user.has_role(ADMIN):
            return True
        return not self.local_login  # a break-glass login always has two factors
