from __future__ import annotations

import atexit
import os
import shutil
import tempfile

from hypothesis import HealthCheck, settings

# Rendering a DOCX and reading it back takes tens of milliseconds: keep the default deadline
# from failing slow CI machines while keeping the example counts meaningful.
settings.register_profile(
    "default", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("ci", parent=settings.get_profile("default"), max_examples=120)
settings.load_profile("ci" if os.environ.get("CI") else "default")

# Command-line runs (subprocesses) cache compiled templates in a folder of the test session's
# own, not in the user's cache folder (template_cache.py).
_cache = tempfile.mkdtemp(prefix="mesoconsent-test-cache-")
os.environ["MESOCONSENT_CACHE_DIR"] = _cache
atexit.register(shutil.rmtree, _cache, ignore_errors=True)
