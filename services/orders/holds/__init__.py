"""Orders on hold and their release: unmapped SKUs filled from the channels' mappings, an
operator's release, and recalled lots holding the orders that hold them."""
