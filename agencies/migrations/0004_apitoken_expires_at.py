"""Every API token gets an expiry. Tokens that exist already keep working for 90 days from
the migration (the same lifetime a new token gets by default), then expire."""

from __future__ import annotations

from datetime import timedelta

from django.db import migrations, models
from django.utils import timezone


def _ninety_days_from_now():
    # A column default, applied by ALTER TABLE to the existing rows (no data migration, so
    # no row-level security scope is needed), then dropped (preserve_default=False).
    return timezone.now() + timedelta(days=90)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0003_auditlog_append_only")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(default=_ninety_days_from_now, verbose_name="expires"),
            preserve_default=False,
        ),
    ]
