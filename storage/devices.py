"""Per-device settings the gateway reads at login (table ``devices``).

A device's model is its ``model`` attribute (``devices.attributes->>'model'``,
set with ``PATCH /api/v1/devices/{id}`` ``{"attributes": {"model": "LW4G"}}``,
like Traccar's device model): the protocols whose meanings depend on the model
(GT06 alarm and status families, Meitrack ADC scales) are told it once the
login identified the device (gateway/runtime/devices.py).
"""

from __future__ import annotations

from typing import Any, Sequence

__all__ = ["device_models"]


async def device_models(pool: Any, device_ids: Sequence[str]) -> dict[str, str | None]:
    """device id -> its model (None: no model, or not a string) for every id the
    table knows; ids it does not know are absent. One query for all of them."""
    rows = await pool.fetch(
        "SELECT device_id, CASE WHEN jsonb_typeof(attributes->'model') = 'string' "
        "THEN attributes->>'model' END AS model FROM devices WHERE device_id = ANY($1::text[])",
        list(device_ids))
    return {row["device_id"]: (row["model"] or None) for row in rows}
