"""Sponsor reports: the figures of a campaign's report (`selectors`), its PDF (`pdf`), the
request/render/share services (`services`), the staff pages (`views`, `urls`), the API
(`api`, `serializers`, `api_urls`), the sponsor's public link (`share_urls`), the render
task (`tasks`) and the `sponsor_report` command.

It sits above campaigns and moderation (a report reads both) and below demo.

Missing modules, each for one reason:
- `models`, `migrations`, `admin`: the report models (`SponsorReport`, `ReportShareLink`,
  `ReportDownload`) stay in `campaigns.models`, where their tables and migrations already
  are; moving them would mean a table-renaming migration for no behaviour. This app imports
  them downwards.
- `permissions`: a report is read and requested with the campaign's roles
  (`campaigns.permissions.CAMPAIGN_VIEW` / `CAMPAIGN_EDIT`).
"""
