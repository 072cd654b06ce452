"""Drop indexes no query needs on the three tables a reconciliation run writes.

A 100,000 x 100,000 run inserts a match per credit and updates most statements and credits;
every index on those rows is written again each time (and an indexed column that changes,
like a statement's status, also rules out PostgreSQL's heap-only updates). Dropped, with
what serves the queries that used them:

payouts_payoutstatement
  - payouts_payoutstatement_agency_id_81617499 (agency): statement_unique_reference
    (agency, source, platform_reference) and statement_agency_ref start with the agency.
  - statement_agency_status (agency, status): no query is selective on status (the list
    filters and sorts by period, a run reads all matchable ones); the agency-leading indexes
    serve the agency filter. Status changes on most rows a run touches.
payouts_match
  - payouts_match_agency_id_b0b585f2 (agency): match_agency_status starts with the agency.
  - payouts_match_statement_id_364fe3ac (statement): match_unique_pair
    (statement, transaction) starts with the statement (statement page, cascade delete,
    waiting-proposal subqueries).
  - payouts_match_group_a1fb09f5 and its _like twin (group): no query filters on the group;
    the exceptions queue and the run's counts reach proposals through match_agency_status
    and payouts_match_run_id.
  - payouts_match_created_by_id_a8226a49 / payouts_match_decided_by_id_46bcb76f: replaced by
    partial indexes over the rows that have a user (a user's deletion sets them to NULL);
    a run's matches have none and no longer enter any user index.
payouts_banktransaction
  - payouts_banktransaction_agency_id_c0f08019 (agency): banktx_agency_date starts with the
    agency.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0003_auditlog_append_only"),
        ("payouts", "0004_reconciliation_trust"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="payoutstatement",
            name="statement_agency_status",
        ),
        migrations.AlterField(
            model_name="payoutstatement",
            name="agency",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="agencies.agency",
            ),
        ),
        migrations.AlterField(
            model_name="banktransaction",
            name="agency",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="agencies.agency",
            ),
        ),
        migrations.AlterField(
            model_name="match",
            name="agency",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="agencies.agency",
            ),
        ),
        migrations.AlterField(
            model_name="match",
            name="statement",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="matches",
                to="payouts.payoutstatement",
            ),
        ),
        migrations.AlterField(
            model_name="match",
            name="group",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="match",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="match",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="match",
            index=models.Index(
                condition=models.Q(("created_by__isnull", False)),
                fields=["created_by"],
                name="match_created_by",
            ),
        ),
        migrations.AddIndex(
            model_name="match",
            index=models.Index(
                condition=models.Q(("decided_by__isnull", False)),
                fields=["decided_by"],
                name="match_decided_by",
            ),
        ),
    ]
