"""Signed outbound webhooks (issue 17, section 4): other systems (accounting, e-mail
marketing, a warehouse) hear about orders, promises, shipments, cancellations, recalls and
stock without running a Kafka client.

``signature_rules`` (pure: the ``Lotline-Signature`` header and its check), ``delivery_rules``
(pure: which events are sent under which name, the ordering key, the URL rule, what a failed
try leads to), ``repository`` (queries on the subscription and delivery tables),
``subscriptions`` (create, list, disable, enable, delete), ``staging`` (one delivery row per
subscription and event, committed with the inbox record), ``deliveries`` (one try: claim,
sign, POST, record; the log and replay), ``webhook_worker`` (the background task),
``subscribers`` (the Kafka consumer groups) and ``webhooks_api`` (the HTTP routes).
"""
