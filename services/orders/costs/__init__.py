"""Cost of goods of an order: lot unit costs as inventory announces them, the cost, revenue and
margin of each order (``cost_rules``, pure), and its HTTP API."""
