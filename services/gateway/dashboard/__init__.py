"""The ops dashboard: server-rendered pages (Jinja2 + htmx, no build step) over the
services' own HTTP APIs, in English and Italian, updated live over server-sent events.

``templating`` renders a page for the caller (their language, CSRF token, role);
``upstream`` asks the service that owns a path; each page module holds one screen's
routes and its access ``RULES``.
"""
