"""API tokens: issued to a user (the secret shown once, only its hash kept), listed and revoked."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import NotFound
from engine.models import utcnow

from ..directory import ApiToken, User, create_token, token_hash
from ..forms import load_values
from ..i18n import N_
from ..lanes import require_admin
from .common import AdminBase, AdminError, invalid
from .forms import TokenForm


class TokenAdmin(AdminBase):
    def tokens(self, session: Session, actor: User) -> list[ApiToken]:
        require_admin(actor)
        return list(session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None),
                                                              ApiToken.created_at.desc(), ApiToken.id.desc()))
                    .unique())

    def create_token(self, session: Session, actor: User, raw: dict) -> tuple[ApiToken, str]:
        """A new token for a user; the secret is returned once and only its hash is kept."""
        require_admin(actor)
        values = load_values(TokenForm, raw)
        user = session.get(User, values["user_id"])
        if user is None or not user.active:
            raise invalid("user_id", N_("Choose one of the options."))
        secret = create_token(session, user, values["label"])
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
        self._log(session, actor, f"API token {row.id} created for {user.username}",
                  {"token": row.id, "user": user.username, "label": row.label})
        return row, secret

    def revoke_token(self, session: Session, actor: User, token_id: int) -> ApiToken:
        require_admin(actor)
        row = session.get(ApiToken, token_id)
        if row is None:
            raise NotFound(f"token {token_id}")
        if row.revoked_at is not None:
            raise AdminError(N_("The token is already revoked."))
        row.revoked_at = utcnow()
        self._log(session, actor, f"API token {row.id} of {row.user.username} revoked",
                  {"token": row.id, "user": row.user.username, "label": row.label})
        return row
