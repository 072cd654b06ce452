"""Live platform connections: linked accounts, their tokens, and the connectors that talk to
each platform (TikTok first). Sits above moderation and creators in the layers."""
