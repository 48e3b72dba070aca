"""UUIDs as they arrive from outside (a feed, a query string, a MESH header)."""

import uuid


def as_uuid(value) -> uuid.UUID | None:
    """The UUID `value` spells, or None when it is not one."""
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None
