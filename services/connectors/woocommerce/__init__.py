"""WooCommerce (REST API v3): a store connected with its consumer key and secret, orders in
by signed webhooks (``order.created`` / ``order.updated`` / ``order.deleted``) and by a paged
reconciliation (``modified_after``), fulfilment written back as status ``completed`` plus a
customer note with the tracking number, and stock pushed to the product or variation."""
