from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from agencies.models import Membership
from agencies.roles import Role

from .crisis_hooks import CrisisReplyChoice
from .explain import ACTION_LABELS
from .models import CaseStatus, Level, MessageKind
from .rules import (
    DEFAULT_THANK_COMMENTERS,
    NAME_RE,
    spike_guard,
    thank_commenters,
    validate_pattern,
    validate_rules,
)


class PolicyCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)


def _lines(value: str) -> list[str]:
    """A textarea of one entry per line."""
    return [line.strip() for line in value.splitlines() if line.strip()]


def _words(value: str) -> list[str]:
    return [w.strip() for w in value.replace("\n", ",").split(",") if w.strip()]


LINES_HELP = _("One per line.")
# The DM sequence's texts that older policy versions may lack (they then get the defaults).
EMAIL_STEP_TEXTS = ("ask_email", "ask_email_again", "follow_up")


def _thanks_initial(config: dict) -> dict:
    return {
        "thank_enabled": config["enabled"],
        "thank_top_n": config["top_n"],
        "thank_min_watch": config["min_avg_watch_seconds"],
        "thank_reply_en": config["reply"].get("en", ""),
        "thank_reply_nl": config["reply"].get("nl", ""),
    }


class PolicySettingsForm(forms.Form):
    """A policy's settings beside its categories and intents (see `rules_from_forms`)."""

    note = forms.CharField(label=_("Change note"), max_length=200, required=False)
    sentiment_threshold = forms.DecimalField(
        label=_("Negative tone threshold"),
        min_value=-1,
        max_value=1,
        decimal_places=2,
        help_text=_(
            "From -1 (only the most negative) to 1. A message whose sentiment is below it goes "
            "to human review when no category decided."
        ),
    )
    delay_min = forms.IntegerField(
        label=_("Reply delay from (minutes)"), min_value=0, max_value=24 * 60
    )
    delay_max = forms.IntegerField(
        label=_("Reply delay to (minutes)"), min_value=0, max_value=24 * 60
    )
    dms_per_person_per_7_days = forms.IntegerField(
        label=_("Automated DMs per person per 7 days"), min_value=0, max_value=10_000
    )
    replies_per_account_per_hour = forms.IntegerField(
        label=_("Replies per account per hour"), min_value=0, max_value=10_000
    )
    replies_per_account_per_day = forms.IntegerField(
        label=_("Replies per account per day"), min_value=0, max_value=10_000
    )
    spike_enabled = forms.BooleanField(label=_("Pause replies when comments spike"), required=False)
    spike_capacity = forms.IntegerField(
        label=_("Comments an account may get at once"), min_value=1, max_value=100_000
    )
    spike_refill = forms.IntegerField(
        label=_("Of which come back per minute"), min_value=1, max_value=100_000
    )
    tone = forms.CharField(
        label=_("Tone of voice"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    dm_enabled = forms.BooleanField(label=_("DM opt-in sequence on"), required=False)
    consent_words = forms.CharField(
        label=_("Consent words"), max_length=200, help_text=_("Separated by commas.")
    )
    opt_out_words = forms.CharField(
        label=_("Opt-out words"),
        max_length=200,
        required=False,
        help_text=_("Separated by commas."),
    )
    ask_name_en = forms.CharField(label=_("Ask the name (English)"), max_length=1000)
    ask_name_nl = forms.CharField(label=_("Ask the name (Dutch)"), max_length=1000, required=False)
    ask_consent_en = forms.CharField(label=_("Ask e-mail consent (English)"), max_length=1000)
    ask_consent_nl = forms.CharField(
        label=_("Ask e-mail consent (Dutch)"), max_length=1000, required=False
    )
    handoff_en = forms.CharField(label=_("Hand to a person (English)"), max_length=1000)
    handoff_nl = forms.CharField(
        label=_("Hand to a person (Dutch)"), max_length=1000, required=False
    )
    # The e-mail step and the lead follow-up (leads/services.py). Optional: an empty
    # English text keeps the default (moderation/rules.py).
    ask_email_en = forms.CharField(
        label=_("Ask the e-mail address (English)"), max_length=1000, required=False
    )
    ask_email_nl = forms.CharField(
        label=_("Ask the e-mail address (Dutch)"), max_length=1000, required=False
    )
    ask_email_again_en = forms.CharField(
        label=_("Ask again after an invalid address (English)"), max_length=1000, required=False
    )
    ask_email_again_nl = forms.CharField(
        label=_("Ask again after an invalid address (Dutch)"), max_length=1000, required=False
    )
    follow_up_en = forms.CharField(
        label=_("Follow-up 24 to 48 hours after the opt-in (English)"),
        max_length=1000,
        required=False,
    )
    follow_up_nl = forms.CharField(
        label=_("Follow-up 24 to 48 hours after the opt-in (Dutch)"),
        max_length=1000,
        required=False,
    )
    # Thank the top commenters of a rewarded video (moderation/thanks.py). Optional fields:
    # left out, the defaults of DEFAULT_THANK_COMMENTERS apply.
    thank_enabled = forms.BooleanField(
        label=_("Thank the top commenters of rewarded videos"), required=False
    )
    thank_top_n = forms.IntegerField(
        label=_("How many top commenters to thank"), min_value=1, max_value=20, required=False
    )
    thank_min_watch = forms.IntegerField(
        label=_("Once the average watch time reaches (seconds)"),
        min_value=1,
        max_value=3600,
        required=False,
    )
    thank_reply_en = forms.CharField(
        label=_("Thank-you reply (English)"), max_length=1000, required=False
    )
    thank_reply_nl = forms.CharField(
        label=_("Thank-you reply (Dutch)"), max_length=1000, required=False
    )

    def clean(self):
        data = super().clean()
        low, high = data.get("delay_min"), data.get("delay_max")
        if low is not None and high is not None and low > high:
            self.add_error("delay_max", _("The delay cannot end before it starts."))
        return data

    @staticmethod
    def initial_from(rules: dict) -> dict:
        seq, limits = rules["dm_sequence"], rules["limits"]
        guard = spike_guard(rules)
        return {
            "sentiment_threshold": rules["sentiment_threshold"],
            "delay_min": rules["delay"]["min_minutes"],
            "delay_max": rules["delay"]["max_minutes"],
            **{key: limits[key] for key in limits},
            "spike_enabled": guard["enabled"],
            "spike_capacity": guard["capacity"],
            "spike_refill": guard["refill_per_minute"],
            "tone": rules.get("tone", ""),
            **_thanks_initial(thank_commenters(rules)),
            "dm_enabled": seq["enabled"],
            "consent_words": ", ".join(seq["consent_words"]),
            "opt_out_words": ", ".join(seq["opt_out_words"]),
            **{
                f"{key}_{lang}": seq[key].get(lang, "")
                for key in ("ask_name", "ask_consent", "handoff")
                for lang in ("en", "nl")
            },
            **{
                f"{key}_{lang}": seq.get(key, {}).get(lang, "")
                for key in EMAIL_STEP_TEXTS
                for lang in ("en", "nl")
            },
        }


ACTION_CHOICES = list(ACTION_LABELS.items())
ESCALATE_CHOICES = [
    ("", _("Nobody")),
    ("human_review", Level.HUMAN_REVIEW.label),
    ("account_manager", Level.ACCOUNT_MANAGER.label),
    ("legal_pr", Level.LEGAL_PR.label),
]
ROUTE_CHOICES = [
    ("reply", _("Automated reply (comments) or the DM opt-in sequence (DMs)")),
    ("account_manager", _("A case for the creator's account manager, no automation")),
]


def _name_field() -> forms.CharField:
    return forms.CharField(
        label=_("Name"),
        max_length=32,
        validators=[
            RegexValidator(NAME_RE, _("Lower-case letters, digits and _, starting with a letter."))
        ],
    )


class CategoryForm(forms.Form):
    name = _name_field()
    action = forms.ChoiceField(label=_("Action"), choices=ACTION_CHOICES, initial="hide")
    escalate_to = forms.ChoiceField(
        label=_("Also open a case for"), choices=ESCALATE_CHOICES, required=False, initial=""
    )
    keywords = forms.CharField(
        label=_("Words and phrases"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line. Matched as whole words, whatever the case, accents, punctuation "
            "between words or stretched letters."
        ),
    )
    patterns = forms.CharField(
        label=_("Patterns (regular expressions)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text=LINES_HELP,
    )
    domains = forms.CharField(
        label=_("Link domains"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text=LINES_HELP,
    )

    def clean_patterns(self):
        patterns = _lines(self.cleaned_data["patterns"])
        for pattern in patterns:
            validate_pattern(pattern, _("Pattern"))
        return patterns

    def clean_keywords(self):
        return _lines(self.cleaned_data["keywords"])

    def clean_domains(self):
        return [d.lower() for d in _lines(self.cleaned_data["domains"])]

    def clean(self):
        data = super().clean()
        if not self.errors and not (data["keywords"] or data["patterns"] or data["domains"]):
            raise ValidationError(_("Give at least one word, pattern or link domain."))
        return data

    @staticmethod
    def initial_from(category: dict) -> dict:
        return {
            "name": category["name"],
            "action": category["action"],
            "escalate_to": category.get("escalate_to", ""),
            "keywords": "\n".join(category.get("keywords", [])),
            "patterns": "\n".join(category.get("patterns", [])),
            "domains": "\n".join(category.get("domains", [])),
        }


class IntentForm(forms.Form):
    name = _name_field()
    triggers = forms.CharField(
        label=_("Trigger words and phrases"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=LINES_HELP,
    )
    route = forms.ChoiceField(label=_("What happens"), choices=ROUTE_CHOICES, initial="reply")
    reply_en = forms.CharField(label=_("Reply (English)"), max_length=1000, required=False)
    reply_nl = forms.CharField(label=_("Reply (Dutch)"), max_length=1000, required=False)
    promotional = forms.BooleanField(
        label=_("Promotional (frozen in crisis mode)"), required=False, initial=False
    )

    def clean_triggers(self):
        return _lines(self.cleaned_data["triggers"])

    def clean(self):
        data = super().clean()
        if data.get("route") == "reply" and not data.get("reply_en", "").strip():
            self.add_error("reply_en", _("An automated reply needs an English text."))
        return data

    @staticmethod
    def initial_from(intent: dict) -> dict:
        reply = intent.get("reply") or {}
        return {
            "name": intent["name"],
            "triggers": "\n".join(intent["triggers"]),
            "route": intent.get("route", "reply"),
            "reply_en": reply.get("en", ""),
            "reply_nl": reply.get("nl", ""),
            "promotional": intent.get("promotional", True),
        }


CategoryFormSet = forms.formset_factory(
    CategoryForm, extra=1, can_delete=True, max_num=50, validate_max=True
)
IntentFormSet = forms.formset_factory(
    IntentForm, extra=1, can_delete=True, max_num=30, validate_max=True
)


class PolicyEditor:
    """The policy editor's three parts, bound together: settings, categories, intents."""

    def __init__(self, data=None, *, rules: dict | None = None):
        rules = rules or {}
        self.settings = PolicySettingsForm(
            data, prefix="policy", initial=PolicySettingsForm.initial_from(rules) if rules else None
        )
        self.categories = CategoryFormSet(
            data,
            prefix="categories",
            initial=[CategoryForm.initial_from(c) for c in rules.get("categories", [])],
        )
        self.intents = IntentFormSet(
            data,
            prefix="intents",
            initial=[IntentForm.initial_from(i) for i in rules.get("intents", [])],
        )
        self.rules: dict | None = None
        self.error = ""

    def is_valid(self) -> bool:
        """Whether every part is valid and the rules they make pass `validate_rules` (whose
        message names the entry at fault); then `self.rules` holds them."""
        parts = [self.settings.is_valid(), self.categories.is_valid(), self.intents.is_valid()]
        if not all(parts):
            return False
        try:
            self.rules = validate_rules(self._rules())
        except ValidationError as exc:
            self.error = " ".join(exc.messages)
            return False
        return True

    def _kept(self, formset) -> list[dict]:
        return [
            form.cleaned_data
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def _rules(self) -> dict:
        s = self.settings.cleaned_data
        return {
            "categories": [
                {
                    "name": c["name"],
                    "action": c["action"],
                    "escalate_to": c["escalate_to"],
                    "keywords": c["keywords"],
                    "patterns": c["patterns"],
                    "domains": c["domains"],
                }
                for c in self._kept(self.categories)
            ],
            "intents": [
                {
                    "name": i["name"],
                    "triggers": i["triggers"],
                    "route": i["route"],
                    "reply": (
                        {"en": i["reply_en"], "nl": i["reply_nl"]}
                        if i["reply_en"].strip() or i["reply_nl"].strip()
                        else None
                    ),
                    "promotional": i["promotional"],
                }
                for i in self._kept(self.intents)
            ],
            "tone": s["tone"],
            "dm_sequence": {
                "enabled": s["dm_enabled"],
                "ask_name": {"en": s["ask_name_en"], "nl": s["ask_name_nl"]},
                "ask_consent": {"en": s["ask_consent_en"], "nl": s["ask_consent_nl"]},
                "handoff": {"en": s["handoff_en"], "nl": s["handoff_nl"]},
                **{
                    key: {"en": s[f"{key}_en"], "nl": s[f"{key}_nl"]}
                    for key in EMAIL_STEP_TEXTS
                    if s.get(f"{key}_en", "").strip()
                },
                "consent_words": _words(s["consent_words"]),
                "opt_out_words": _words(s["opt_out_words"]),
            },
            "limits": {
                key: s[key]
                for key in (
                    "dms_per_person_per_7_days",
                    "replies_per_account_per_hour",
                    "replies_per_account_per_day",
                )
            },
            "delay": {"min_minutes": s["delay_min"], "max_minutes": s["delay_max"]},
            "sentiment_threshold": float(s["sentiment_threshold"]),
            "spike_guard": {
                "enabled": s["spike_enabled"],
                "capacity": s["spike_capacity"],
                "refill_per_minute": s["spike_refill"],
            },
            "thank_commenters": {
                "enabled": s.get("thank_enabled") or False,
                "top_n": s.get("thank_top_n") or DEFAULT_THANK_COMMENTERS["top_n"],
                "min_avg_watch_seconds": s.get("thank_min_watch")
                or DEFAULT_THANK_COMMENTERS["min_avg_watch_seconds"],
                "reply": {
                    "en": s.get("thank_reply_en") or DEFAULT_THANK_COMMENTERS["reply"]["en"],
                    "nl": s.get("thank_reply_nl") or "",
                },
            },
        }


class PolicyPreviewForm(forms.Form):
    # It sits inside the editor's form: a required attribute would block saving.
    use_required_attribute = False

    sample = forms.CharField(
        label=_("Message"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Nothing is saved or sent: this shows what the policy would do, and why."),
    )
    sample_kind = forms.ChoiceField(
        label=_("As a"), choices=MessageKind.choices, initial=MessageKind.COMMENT
    )


def staff_choices(agency):
    members = (
        Membership.objects.filter(agency=agency)
        .exclude(role=Role.CREATOR)
        .select_related("user")
        .order_by("user__email")
    )
    return [("", _("Unassigned"))] + [(str(m.user_id), m.user.email) for m in members]


class SlaRuleForm(forms.Form):
    minutes = forms.IntegerField(label=_("SLA (business minutes)"), min_value=1, max_value=43200)
    assignee = forms.ChoiceField(label=_("Default assignee"), required=False)

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = staff_choices(agency)


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Name"), max_length=120)


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *CaseStatus.choices]
    )
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("Any")), *Level.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class CaseActionForm(forms.Form):
    ACTIONS = [
        ("note", _("Add note")),
        ("assign", _("Assign")),
        ("escalate", _("Escalate")),
        ("resolve", _("Resolve")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    text = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = staff_choices(agency)


class CaseReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Posted from the creator's account: a public reply to a comment, a DM to the "
            "author of a DM."
        ),
    )

    def __init__(self, *args, crisis_replies: Sequence[CrisisReplyChoice] = (), **kwargs):
        """With `crisis_replies` (crisis mode, a Legal / PR case) the form offers the crisis
        library: a chosen reply is sent when the reply box is left empty."""
        super().__init__(*args, **kwargs)
        self.crisis_texts = {str(reply.id): reply.text for reply in crisis_replies}
        if crisis_replies:
            self.fields["crisis_reply"] = forms.ChoiceField(
                label=_("Use a crisis reply"),
                required=False,
                choices=[
                    ("", _("— write my own —")),
                    *[
                        (str(reply.id), f"{reply.language.upper()} · {reply.title}")
                        for reply in crisis_replies
                    ],
                ],
                help_text=_(
                    "A pre-written reply from the crisis library, sent as it is when the "
                    "reply box is left empty."
                ),
            )
            self.fields["text"].required = False
            self.order_fields(["crisis_reply", "text"])

    def clean(self):
        data = super().clean()
        choice = data.get("crisis_reply")
        if not data.get("text") and choice:
            data["text"] = self.crisis_texts[choice]
        if self.crisis_texts and not data.get("text") and "text" not in self.errors:
            self.add_error("text", _("Write the reply or choose a crisis reply."))
        return data


class CsvImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
