from __future__ import annotations

from rest_framework import serializers


class TileSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="What is counted, e.g. sla_breached, drafts_waiting.")
    count = serializers.IntegerField()
    label = serializers.CharField(help_text="The count's words in the caller's language.")
    url = serializers.CharField(help_text="The list page filtered to exactly these rows.")
    tone = serializers.ChoiceField(choices=["bad", "warn", "ok"])


class AgeBucketSerializer(serializers.Serializer):
    currency = serializers.CharField()
    label = serializers.CharField()
    amount = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        coerce_to_string=True,
        help_text="To the currency's minor unit.",
    )
    count = serializers.IntegerField()
    url = serializers.CharField()


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="received, commission, views or engagement.")
    title = serializers.CharField()
    currency = serializers.CharField(
        allow_blank=True, help_text="Money figures: one per currency, never summed across them."
    )
    percent = serializers.BooleanField()
    months = serializers.ListField(child=serializers.DateField(), help_text="Oldest first.")
    values = serializers.ListField(
        child=serializers.DecimalField(max_digits=None, decimal_places=None, coerce_to_string=True)
    )


class CockpitSerializer(serializers.Serializer):
    role = serializers.CharField()
    today = serializers.DateField(help_text="The agency's today, in its time zone.")
    attention = TileSerializer(many=True)
    unreconciled = AgeBucketSerializer(many=True)
    figures = FigureSerializer(many=True)
