"""Where is my order? Everything that happened to it across services in time order, and the notes
other services' news puts on it."""
