"""Live platform connections: linked accounts, their tokens, and the connectors that talk to
each platform (TikTok first). Sits above moderation and creators in the layers.

No serializers: the account serializers of its small API sit beside the views in api.py.
No forms: its pages post only buttons (link, disconnect); the rest comes from TikTok.
No admin: accounts hold encrypted OAuth tokens, linked and unlinked only through services.py.
"""
