from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# The views, which the URL modules name without importing them (core/lazy_urls.py): all of
# them now, so a worker's first requests do not wait for imports and a misspelt one fails here.
from core.lazy_urls import views_load  # noqa: E402 - needs the settings configured above

views_load()
