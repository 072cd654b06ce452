from __future__ import annotations

app_name = "crisis"

urlpatterns: list = []
