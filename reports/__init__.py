"""Sponsor reports: the figures of a campaign's report (`selectors`), its PDF (`pdf`), the
request/render/share services (`services`), the staff pages (`views`, `urls`), the API
(`api`, `serializers`, `api_urls`), the sponsor's public link (`share_urls`), the render
task (`tasks`) and the `sponsor_report` command.

It sits above campaigns and moderation (a report reads both) and below demo.

Missing modules, each for one reason:
No models: SponsorReport, ReportShareLink and ReportDownload stay in campaigns.models (below).
No admin: it has no models of its own; its report models live in campaigns.models.
No permissions: a report uses campaigns.permissions (CAMPAIGN_VIEW to read, CAMPAIGN_EDIT to ask).

The report models stay in `campaigns.models`, where their tables and migrations already are
(so no `migrations` here either); moving them would mean a table-renaming migration for no
behaviour. This app imports them downwards.
"""
