"""Amazon Selling Partner API: sellers connected with Login with Amazon, orders polled from
the Orders API v0 (docs/connectors.md, Amazon)."""
