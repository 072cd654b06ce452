from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

# The views, imported now rather than on the first requests (config/wsgi.py).
from core.lazy_urls import views_load  # noqa: E402 - needs the settings configured above

views_load()
