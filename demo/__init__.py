"""The demo: `manage.py seed_demo` builds it from each app's own demo builders (creators/demo.py
for the agencies, people and roster, campaigns/demo.py, payouts/demo.py, moderation/demo.py …).
The top layer, because it orchestrates every app and nothing imports it. It has no models,
views or API of its own."""
