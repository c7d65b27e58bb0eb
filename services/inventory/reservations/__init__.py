"""Customer orders in stock: first-expiry-first-out reservation (``domain``), minimum remaining
shelf life, a channel's edits and returns, and stock leaving on dispatch."""
