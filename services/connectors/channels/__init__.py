"""Sales channels behind one port: what the shared connectors code (write-back, stock push)
may ask of any channel, and which channel answers.

``port`` (the ``SalesChannel`` protocol, its capabilities and the channel-neutral outcomes
``RetryLater`` / ``Refused`` / ``NotSupported``) and ``registry`` (channel name → adapter:
the one place that names every channel). Each adapter lives in its channel's own package
(``shopify/channel.py``, ``etsy/channel.py``, ``direct_orders/channel.py``).
"""
