"""Who may do what at the gateway: principals (users and API keys), roles and scopes, the
rule of every route, sign-in, sessions, CSRF, lock-out and the audit trail."""
