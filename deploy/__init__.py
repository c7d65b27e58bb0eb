"""How Lotline runs: infrastructure scripts, the process supervisor, systemd units."""
