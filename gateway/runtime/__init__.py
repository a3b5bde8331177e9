"""The running gateway: the composition root (``app``), the hand-off of
decoded frames to the writer with the allow-list, replies and deferred ACKs
(``ingest``), worker processes (``workers``), the guard (caps, budgets,
penalties, aggregated logs), the raw frame archive, metrics, log set-up, the
database start-up and commands to devices."""
