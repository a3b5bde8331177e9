"""The running gateway: the composition root (``app``), worker processes
(``workers``), the guard (caps, budgets, penalties, aggregated logs), the raw
frame archive, metrics, log set-up, the database start-up and commands to
devices."""
