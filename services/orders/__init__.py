"""Orders: customer orders, their status and the order saga.

- ``edits/``: a channel's cancellations, edits and refunds, applied once each.
- ``holds/``: orders on hold (unmapped SKUs, recalled lots) and their release.
- ``promises/``: the promised date on an order, and the orders that cannot reach it.
- ``shipments/`` and ``carriers/``: shipping a ready order, its documents, its carrier.
- ``notifications/``: the customer's e-mails, staged with the facts they tell.
- ``costs/``: cost of goods, revenue and margin of an order.
- ``reports/``, ``timeline/``: the numbers a maker watches; everything that happened to one order.

At the top: the order itself (``domain``, pure; ``service``, its use cases; ``repository``),
events about unknown orders kept until they are known (``parking``), the subscribers
(``handlers``), the HTTP API (``api``, ``schemas``), the tables and the composition root.
"""
