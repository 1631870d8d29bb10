"""BaoLife's composition root: settings, wiring of the adapters, and the CLI.

The core and the two adapters never import each other's concrete classes; this
package is the one place that knows them all (like cosmicpython's ``bootstrap``).
"""

from __future__ import annotations

from .bootstrap import (
    Settings,
    SettingsError,
    build_service,
    configure_logging,
    freeze_startup_heap,
    run_server,
)

__all__ = [
    "Settings",
    "SettingsError",
    "build_service",
    "configure_logging",
    "freeze_startup_heap",
    "run_server",
]
