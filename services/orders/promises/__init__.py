"""What an order does with the date production promises it (``promising``, pure), and which open
orders cannot reach their promise (``exceptions``) with their API."""
