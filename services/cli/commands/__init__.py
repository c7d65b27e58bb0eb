"""The CLI's command groups, one module per concept; ``services.cli.main`` assembles them."""
