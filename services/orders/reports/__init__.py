"""The few numbers a maker watches — on-time rate, open backlog — computed from plain facts
(``report_rules``, pure), read from the database, served over HTTP."""
