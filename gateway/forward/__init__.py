"""Forwarding: every committed position and event pushed to the integrator's
systems (webhook, MQTT, AMQP, NATS JetStream), driven by the database.

- ``settings``: the ``[forward]`` settings and ``run --forward URL``;
- ``messages``: the JSON sent (uvis and Traccar shapes) and the stable ids;
- ``destinations``: one class per kind, each reporting what was not acknowledged;
- ``loop``: one loop per destination across all gateways (advisory lock),
  durable cursor, retries, dead letters; ``ForwardService`` runs them;
- ``metrics``: lag, delivered, retried, dead-lettered;
- ``cmd``: ``uvis-gateway forward list|redrive``.

Storage side: storage/ingest_log.py (what is committed, in order) and
storage/forward_store.py (cursors, dead letters).
"""
