"""Etsy Open API v3: shop connection (OAuth 2 with PKCE), receipts polled by last-modified,
tracking written back with createReceiptShipment, the ``order.paid`` webhook."""
