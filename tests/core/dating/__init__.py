"""Tests of ``baolife_core.dating``: content, NPCs, compatibility, bios, matching."""
