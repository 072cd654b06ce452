"""The demo: `manage.py seed_demo` builds it from each app's own demo builders (creators/demo.py
for the agencies, people and roster, campaigns/demo.py, payouts/demo.py, moderation/demo.py …).
The top layer, because it orchestrates every app and nothing imports it. It has no models,
views or API of its own.

No models: it builds rows of the apps' own models, through each app's demo.py.
No services: seed_demo calls each app's demo builders (creators/demo.py, campaigns/demo.py …).
No selectors: nothing reads through demo; the apps' selectors read what it seeds.
No views: the demo is built by the seed_demo command; it has no pages.
No api: the demo is built by the seed_demo command; it has no endpoints.
No serializers: it has no API.
No forms: it has no pages; seed_demo takes its options on the command line.
No tasks: seed_demo runs in the foreground, from the shell.
No permissions: it has no pages or endpoints to guard.
No admin: demo has no models.
"""
