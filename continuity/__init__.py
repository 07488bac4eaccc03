"""Continuity: keep relationships with civil society partners alive after a UNICEF
partnership has ended."""

import os

# This machine, like many UNICEF office networks, has no route to Prefect's telemetry;
# operators who want it can set the variable themselves.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
