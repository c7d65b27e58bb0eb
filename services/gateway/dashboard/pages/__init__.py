"""One module per screen. Each holds ``router`` (its FastAPI routes) and ``RULES`` (the
access rule of each of those routes); the gateway includes every module found here."""
