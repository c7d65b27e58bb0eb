"""Production: production orders made for what finished stock cannot cover."""
