"""Payouts forms: shapes and friendly units (percentages) only; services do the writes."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agencies.models import CURRENCY_CHOICES
from campaigns.models import Contract
from creators.models import Creator

from .models import (
    MONEY,
    AdjustmentKind,
    CommissionBasis,
    CostBearer,
    DisputeStatus,
    PayoutSettings,
    PayoutStatement,
    StatementStatus,
)
from .parsers.csv_statement import ColumnMapping
from .services import STATEMENT_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RATE_STEP = Decimal("0.0001")
PERCENT = {"max_digits": 6, "decimal_places": 2, "min_value": Decimal(0)}


def money_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, **MONEY, **kwargs)


class StatementForm(forms.ModelForm):
    class Meta:
        model = PayoutStatement
        fields = STATEMENT_FIELDS  # what statement_create/statement_update write
        widgets = {"period_start": DATE, "period_end": DATE, "settled_date": DATE}

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["creator"].queryset = Creator.objects.for_agency(agency)
        # Only this agency's contracts; the service checks the creator is party to it.
        self.fields["contract"].queryset = (
            Contract.objects.for_agency(agency).select_related("sponsor").order_by("title", "pk")
        )
        self.fields["status"].choices = (
            [c for c in StatementStatus.choices if c[0] != StatementStatus.RECONCILED]
            if not self.instance.pk
            else StatementStatus.choices
        )

    def validate_unique(self):
        # Uniqueness includes the agency, which the service sets; it reports clashes.
        pass


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))


class StatementImportForm(UploadForm):
    """A payout statements CSV, or a `lines` CSV with the statements' line items."""

    STATEMENTS = "statements"
    LINES = "lines"
    kind = forms.ChoiceField(
        label=_("The file holds"),
        required=False,
        initial=STATEMENTS,
        widget=forms.RadioSelect,
        choices=[(STATEMENTS, _("Payout statements")), (LINES, _("Line items of statements"))],
    )

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or self.STATEMENTS


class BankImportForm(UploadForm):
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[
            ("", _("Detect automatically")),
            ("camt053", "CAMT.053"),
            ("mt940", "MT940"),
            ("ofx", "OFX"),
            ("csv", "CSV"),
        ],
    )


class BankAccountForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)


class ManualMatchForm(forms.Form):
    statement = forms.IntegerField(label=_("Statement id"), min_value=1)
    transaction = forms.IntegerField(label=_("Bank transaction id"), min_value=1)


class ExportForm(forms.Form):
    period_from = forms.DateField(label=_("Period from"), required=False, widget=DATE)
    period_to = forms.DateField(label=_("Period to"), required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and start > end:
            self.add_error("period_to", _("The period must end on or after its start."))
        return data


# --- Statement details ------------------------------------------------------------------------


class AdjustmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AdjustmentKind.choices)
    amount = money_field(_("Amount"), help_text=_("Negative reduces the payout, e.g. -12.50."))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class HoldForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    expected_release = forms.DateField(label=_("Expected release"), required=False, widget=DATE)


class DisputeForm(forms.Form):
    transaction_data = forms.CharField(
        label=_("Transaction data"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the platform shows: asset ids, views, amounts, timestamps."),
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One URL per line."),
    )


class DisputeCloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(DisputeStatus.RESOLVED, _("Resolved")), (DisputeStatus.REJECTED, _("Rejected"))],
    )
    outcome = forms.CharField(label=_("What was decided"), widget=forms.Textarea(attrs={"rows": 3}))


class CreatorPaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    reference = forms.CharField(label=_("Reference"), max_length=80)
    amount = money_field(_("Amount"), min_value=Decimal("0.01"))
    currency = forms.ChoiceField(label=_("Currency"), choices=())

    def __init__(self, *args, currencies: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        # Paid in the currency the money arrived in: a choice only when it came in several.
        if len(currencies) > 1:
            self.fields["currency"].choices = [(c, c) for c in currencies]
        else:
            del self.fields["currency"]

    @staticmethod
    def initial_for(open_nets, *, today) -> dict:
        """Prefilled with what is still to pay (in the first currency with something left)."""
        if not open_nets:
            return {"paid_on": today}
        return {"paid_on": today, "amount": open_nets[0].to_pay, "currency": open_nets[0].currency}


class PayoutLineForm(forms.Form):
    """One per-asset line item of a statement (what one video or asset earned)."""

    asset_reference = forms.CharField(
        label=_("Asset"), max_length=200, help_text=_("The video id or link on the platform.")
    )
    campaign_code = forms.CharField(
        label=_("Campaign code"),
        max_length=60,
        required=False,
        help_text=_("The line then counts towards that campaign's revenue."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    amount = money_field(_("Amount"))

    @staticmethod
    def initial_for(line) -> dict:
        return {
            "asset_reference": line.asset_reference,
            "campaign_code": line.campaign_code,
            "description": line.description,
            "amount": line.amount,
        }


# --- Settings ---------------------------------------------------------------------------------


def _rate_lines(text: str) -> dict[str, str]:
    """ "USD/EUR 0.92" per line → {"USD/EUR": "0.92"}."""
    currencies = {code for code, _label in CURRENCY_CHOICES}
    rates: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = line.replace("=", " ").split()
        pair = parts[0].upper().split("/") if parts else []
        try:
            if len(parts) != 2 or len(pair) != 2 or not set(pair) <= currencies:
                raise ValueError
            if pair[0] == pair[1]:
                raise ValueError
            rate = Decimal(parts[1].replace(",", "."))
            if not rate.is_finite() or rate <= 0 or rate > 100_000:
                raise ValueError
        except (ValueError, ArithmeticError):
            raise ValidationError(
                _("Line %(n)s: write a pair and a rate, like “USD/EUR 0.92”."),
                params={"n": number},
            ) from None
        rates["/".join(pair)] = format(rate.normalize(), "f")
    return rates


class PayoutSettingsForm(forms.Form):
    """The agency's reconciliation settings, with rates as percentages."""

    default_commission_percent = forms.DecimalField(
        label=_("Default commission (%)"), max_value=Decimal(100), **PERCENT
    )
    date_window_days = forms.IntegerField(
        label=_("Date window (days)"),
        min_value=0,
        max_value=120,
        help_text=_("How many days after the settled date a deposit may arrive."),
    )
    fx_tolerance_percent = forms.DecimalField(
        label=_("FX tolerance (%)"),
        max_value=Decimal(50),
        help_text=_("Allowed deviation of the implied rate from the reference rate."),
        **PERCENT,
    )
    fee_allowance = money_field(
        _("Fee allowance"),
        min_value=Decimal(0),
        help_text=_("Largest bank or transfer fee accepted on one deposit."),
    )
    fx_reference_rates = forms.CharField(
        label=_("FX reference rates"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: one unit of the first currency in the second, “USD/EUR 0.92”."),
    )

    commission_basis = forms.ChoiceField(
        label=_("Commission on"),
        choices=CommissionBasis.choices,
        required=False,
        help_text=_(
            "What reached the bank (after bank and currency costs), or the amount the "
            "platform settled. Never taken on an estimate."
        ),
    )
    costs_borne_by = forms.ChoiceField(
        label=_("Bank and currency costs borne by"),
        choices=CostBearer.choices,
        required=False,
        help_text=_(
            "The creator: the costs come off their net. The agency: its commission absorbs "
            "them, and the creator's net gets them back."
        ),
    )

    @classmethod
    def initial_for(cls, obj: PayoutSettings) -> dict:
        return {
            "commission_basis": obj.commission_basis,
            "costs_borne_by": obj.costs_borne_by,
            "default_commission_percent": obj.default_commission_rate * 100,
            "date_window_days": obj.date_window_days,
            "fx_tolerance_percent": obj.fx_tolerance * 100,
            "fee_allowance": obj.fee_allowance,
            "fx_reference_rates": "\n".join(
                f"{pair} {rate}" for pair, rate in sorted(obj.fx_reference_rates.items())
            ),
        }

    def clean_fx_reference_rates(self):
        return _rate_lines(self.cleaned_data["fx_reference_rates"])

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            "default_commission_rate": (data["default_commission_percent"] / 100).quantize(
                RATE_STEP
            ),
            "date_window_days": data["date_window_days"],
            "fx_tolerance": (data["fx_tolerance_percent"] / 100).quantize(RATE_STEP),
            "fee_allowance": data["fee_allowance"],
            "fx_reference_rates": data["fx_reference_rates"],
            # Left out (an older client): unchanged.
            **{
                name: data[name]
                for name in ("commission_basis", "costs_borne_by")
                if data.get(name)
            },
        }


class CommissionForm(forms.Form):
    creator = forms.ModelChoiceField(label=_("Creator"), queryset=Creator.objects.none())
    percent = forms.DecimalField(label=_("Commission (%)"), max_value=Decimal(100), **PERCENT)

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["creator"].queryset = Creator.objects.for_agency(agency)

    @property
    def rate(self) -> Decimal:
        return (self.cleaned_data["percent"] / 100).quantize(RATE_STEP)


class ColumnMappingForm(forms.Form):
    """Which column of this bank's CSV export holds what (see parsers.csv_statement)."""

    booking_date = forms.CharField(label=_("Booking date column"), max_length=100)
    amount = forms.CharField(
        label=_("Amount column"),
        required=False,
        max_length=100,
        help_text=_("Signed, or unsigned with a credit/debit column. Or use the next two."),
    )
    credit = forms.CharField(label=_("Credit column"), required=False, max_length=100)
    debit = forms.CharField(label=_("Debit column"), required=False, max_length=100)
    direction = forms.CharField(
        label=_("Credit/debit mark column"),
        required=False,
        max_length=100,
        help_text=_("A column holding C/D, Bij/Af or similar."),
    )
    value_date = forms.CharField(label=_("Value date column"), required=False, max_length=100)
    currency = forms.CharField(label=_("Currency column"), required=False, max_length=100)
    fixed_currency = forms.ChoiceField(
        label=_("Or one currency for the whole file"),
        required=False,
        choices=[("", "—"), *CURRENCY_CHOICES],
    )
    counterparty_name = forms.CharField(
        label=_("Counterparty name column"), required=False, max_length=100
    )
    counterparty_iban = forms.CharField(
        label=_("Counterparty IBAN column"), required=False, max_length=100
    )
    remittance_info = forms.CharField(
        label=_("Description columns"),
        required=False,
        max_length=300,
        help_text=_("Separate several columns with a comma; they are joined with spaces."),
    )
    end_to_end_id = forms.CharField(label=_("End-to-end id column"), required=False, max_length=100)
    bank_reference = forms.CharField(
        label=_("Bank reference column"), required=False, max_length=100
    )
    date_format = forms.ChoiceField(
        label=_("Date format"),
        choices=[
            ("%Y-%m-%d", "2025-01-31"),
            ("%d-%m-%Y", "31-01-2025"),
            ("%d/%m/%Y", "31/01/2025"),
            ("%m/%d/%Y", "01/31/2025"),
            ("%d.%m.%Y", "31.01.2025"),
            ("%Y%m%d", "20250131"),
        ],
    )
    decimal_separator = forms.ChoiceField(
        label=_("Decimal separator"),
        choices=[(".", _("Point (1234.50)")), (",", _("Comma (1234,50)"))],
    )
    delimiter = forms.ChoiceField(
        label=_("Column separator"),
        choices=[(",", _("Comma")), (";", _("Semicolon")), ("\t", _("Tab")), ("|", _("Bar"))],
    )
    skip_lines = forms.IntegerField(
        label=_("Lines above the header"), min_value=0, max_value=50, initial=0
    )

    SINGLE = [
        "booking_date",
        "amount",
        "credit",
        "debit",
        "direction",
        "value_date",
        "currency",
        "counterparty_name",
        "counterparty_iban",
        "end_to_end_id",
        "bank_reference",
    ]

    @classmethod
    def initial_for(cls, mapping: dict) -> dict:
        initial = {k: v for k, v in mapping.items() if k in cls.base_fields and v is not None}
        if isinstance(mapping.get("remittance_info"), list | tuple):
            initial["remittance_info"] = ", ".join(mapping["remittance_info"])
        return initial

    def clean(self):

        data = super().clean()
        if self.errors:
            return data
        values = {name: (data.get(name) or "").strip() or None for name in self.SINGLE}
        values["fixed_currency"] = data.get("fixed_currency") or None
        values["remittance_info"] = tuple(
            c.strip() for c in (data.get("remittance_info") or "").split(",") if c.strip()
        )
        values.update(
            date_format=data["date_format"],
            decimal_separator=data["decimal_separator"],
            delimiter=data["delimiter"],
            skip_lines=data["skip_lines"],
        )
        mapping = ColumnMapping(**values)
        for problem in mapping.problems():
            self.add_error(None, _(problem))
        self.mapping = mapping
        return data
