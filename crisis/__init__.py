"""Crisis playbook: pre-written crisis replies, freezing promotional deliverables while
crisis mode is on, routing risky DMs to Legal / PR, and drill records."""
