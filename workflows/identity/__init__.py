"""Sign-in beyond local passwords: SAML 2.0 (the municipalities' login broker, KOMBIT Context Handler) and
OpenID Connect (staff), their attribute and claim mapping to Byplan users and roles (just-in-time users,
roles refreshed at every sign-in), TOTP two-factor for local accounts, and the local-password policy
(break-glass administrators). No Flask here: web/sso.py and web/auth.py call these services."""
