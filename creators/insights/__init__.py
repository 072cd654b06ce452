"""Creator insights: what a creator's figures mean for the TikTok reward programs and for
brand deals. Program eligibility rule by rule (`eligibility`), earnings estimates and the
30-day forecast (`estimates`, `forecast`), all three pure (no database); rate-card tiers and
suggested fees (`rate_cards`); the reads that evaluate them for many creators in a fixed
number of queries (`selectors`) and the writes of metric snapshots, videos, strikes and the
RPM table (`services`); the daily scan that mails threshold crossings (`eligibility_watch`,
run by `creators.tasks`); and the pages, forms, charts and API that show them (`views`,
`forms`, `charts`, `api`, `serializers`). The roster, social accounts, the metrics CSV
import and program applications stay in `creators`.
"""
