"""Staff pages of the campaigns app (sponsor reports have their own app, reports/), one module
per concern: `campaigns`, `deliverables`, `kpis`, `experiments`, `sponsors`, `contracts`, and
`common` for what they share (pagination, the form page, the campaign lookup, flashing errors).

Thin: parse, authorise (agency_view + permissions), call one service or selector, render.
Times on these pages are shown and read in the agency's timezone. Nothing is re-exported here:
campaigns/urls.py imports each module.
"""
