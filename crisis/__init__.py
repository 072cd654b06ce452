"""Crisis playbook: pre-written crisis replies, freezing promotional deliverables while crisis mode is on, and drill records."""
