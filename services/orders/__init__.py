"""Orders: customer orders, their status and the order saga."""
