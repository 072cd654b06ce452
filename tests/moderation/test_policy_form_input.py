"""The policy editor: form fields instead of a JSON box, strict validation, and the
"test this comment" preview that saves and sends nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from agencies.roles import Role
from moderation.forms import PolicyEditor
from moderation.models import AutomatedAction, Case, OutboxMessage, PolicyVersion
from moderation.policies import policy_ensure_default
from moderation.rules import default_rules
from tests.helpers import client_for, member

pytestmark = pytest.mark.django_db


def editor_data(rules: dict | None = None) -> dict:
    """What the editor posts when nothing is changed (as a browser would send it)."""
    editor = PolicyEditor(rules=rules or default_rules())
    data: dict = {}
    for formset in (editor.categories, editor.intents):
        for name, field in formset.management_form.fields.items():
            data[f"{formset.prefix}-{name}"] = formset.management_form.initial.get(
                name, field.initial
            )
    forms = [editor.settings, *editor.categories.forms, *editor.intents.forms]
    for form in forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None or name == "DELETE":
                continue
            if isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            data[form.add_prefix(name)] = value
    return data


def category_index(data: dict, name: str) -> int:
    return next(
        int(key.split("-")[1])
        for key, value in data.items()
        if key.startswith("categories-") and key.endswith("-name") and value == name
    )


@pytest.fixture
def policy(agency):
    return policy_ensure_default(agency=agency)


def policy_url(agency, policy, name="policy") -> str:
    return reverse(f"moderation:{name}", kwargs={"agency_slug": agency.slug, "pk": policy.pk})


def test_the_editor_shows_fields_not_json(owner_client, agency, policy):
    response = owner_client.get(policy_url(agency, policy))
    html = response.content.decode()
    assert 'name="categories-0-name"' in html and 'name="intents-0-route"' in html
    assert "Rules (JSON)" not in html and '"categories":' not in html
    assert "Threats or violence" in html


def test_saving_unchanged_fields_publishes_the_same_rules(owner_client, agency, policy):
    response = owner_client.post(policy_url(agency, policy), editor_data())
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.current_version.number == 2
    assert policy.current_version.rules == PolicyVersion.objects.get(number=1).rules


def test_a_category_is_changed_added_and_deleted(owner_client, agency, policy):
    data = editor_data()
    spam = category_index(data, "spam")
    data[f"categories-{spam}-DELETE"] = "on"
    threats = category_index(data, "threats")
    data[f"categories-{threats}-keywords"] += "\ni will end you"
    new = int(data["categories-TOTAL_FORMS"]) - 1  # the blank extra form
    data.update(
        {
            f"categories-{new}-name": "competitors",
            f"categories-{new}-action": "hide",
            f"categories-{new}-escalate_to": "account_manager",
            f"categories-{new}-keywords": "buy from rivalbrand\nrivalbrand is better",
        }
    )
    response = owner_client.post(policy_url(agency, policy), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rules = type(policy).objects.get(pk=policy.pk).current_version.rules
    names = [c["name"] for c in rules["categories"]]
    assert "spam" not in names and names[-1] == "competitors"
    assert rules["categories"][-1]["escalate_to"] == "account_manager"
    assert "i will end you" in rules["categories"][0]["keywords"]
    assert AuditLog.objects.filter(agency=agency, action="policy.publish").count() == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"categories-0-name": "Bad Name!"}, "Lower-case letters, digits and _"),
        ({"categories-1-name": "threats"}, "needs a unique name"),
        ({"categories-0-action": "explode"}, "Select a valid choice"),
        ({"categories-0-escalate_to": "the_pope"}, "Select a valid choice"),
        ({"categories-0-patterns": "(a+)+"}, "nests repetition"),
        ({"categories-0-patterns": "([unclosed"}, "is not a valid pattern"),
        ({"categories-0-domains": "not a domain"}, "is not a domain name"),
        (
            {"categories-0-keywords": "", "categories-0-patterns": "", "categories-0-domains": ""},
            "Give at least one word, pattern or link domain.",
        ),
        ({"intents-1-reply_en": ""}, "An automated reply needs an English text."),
        ({"intents-0-triggers": ""}, "This field is required."),
        ({"policy-sentiment_threshold": "2"}, "less than or equal to 1"),
        ({"policy-sentiment_threshold": "abc"}, "Enter a number."),
        ({"policy-delay_min": "50", "policy-delay_max": "10"}, "cannot end before it starts"),
        ({"policy-replies_per_account_per_hour": "-1"}, "greater than or equal to 0"),
        ({"policy-spike_capacity": "0"}, "greater than or equal to 1"),
        ({"policy-consent_words": ""}, "This field is required."),
        ({"categories-TOTAL_FORMS": "500"}, "Please submit at most 50 forms."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(
    owner_client, agency, policy, change, message
):
    data = editor_data()
    data.update(change)
    response = owner_client.post(policy_url(agency, policy), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert PolicyVersion.objects.filter(policy=policy).count() == 1


def test_a_broken_management_form_is_an_error_not_a_crash(owner_client, agency, policy):
    data = editor_data()
    del data["intents-TOTAL_FORMS"]
    response = owner_client.post(policy_url(agency, policy), data)
    assert response.status_code == 400
    assert PolicyVersion.objects.filter(policy=policy).count() == 1


def test_a_manager_may_read_but_not_save(agency, policy, manager_client):
    assert "policy-editor" not in manager_client.get(policy_url(agency, policy)).content.decode()
    response = manager_client.post(policy_url(agency, policy), editor_data())
    assert response.status_code == 403
    assert PolicyVersion.objects.filter(policy=policy).count() == 1


def test_a_new_policy_starts_from_the_defaults(owner_client, agency):
    response = owner_client.post(
        reverse("moderation:policies", kwargs={"agency_slug": agency.slug}), {"name": "Ours"}
    )
    assert response.status_code == 302
    version = PolicyVersion.objects.get(policy__name="Ours")
    assert version.rules["categories"][0]["name"] == "threats"


# --- "test this comment" -------------------------------------------------------------------


def preview(client, agency, policy, sample: str, kind: str = "comment", **changes):
    data = editor_data()
    data.update(changes)
    data.update({"sample": sample, "sample_kind": kind})
    return client.post(policy_url(agency, policy, "policy-preview"), data, HTTP_HX_REQUEST="true")


def nothing_written(agency) -> bool:
    return not (
        AutomatedAction.objects.exists()
        or OutboxMessage.objects.exists()
        or Case.objects.exists()
        or AuditLog.objects.filter(agency=agency, action__startswith="automated").exists()
    )


def test_preview_of_a_threat_says_hide_and_legal_pr_and_why(owner_client, agency, policy):
    versions = PolicyVersion.objects.count()
    response = preview(owner_client, agency, policy, "I'll find where you live and hurt you")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hide the message." in html and "Open a case at Legal / PR." in html
    assert "“threats or violence”: the words “find where you live”" in html
    assert nothing_written(agency) and PolicyVersion.objects.count() == versions


def test_preview_of_a_brand_dm_goes_to_the_account_manager(owner_client, agency, policy):
    html = preview(owner_client, agency, policy, "what are your rates?", kind="dm")
    assert "creator&#x27;s account manager" in html.content.decode()
    assert nothing_written(agency)


def test_preview_of_a_price_question_shows_the_reply_it_would_send(owner_client, agency, policy):
    html = preview(owner_client, agency, policy, "Wat is de prijs?").content.decode()
    assert "Reply publicly after a random 10 to 60 minutes." in html
    assert "Bedankt voor je vraag!" in html
    assert nothing_written(agency)


def test_preview_uses_the_unsaved_edits(owner_client, agency, policy):
    data = editor_data()
    harassment = category_index(data, "harassment")
    html = preview(
        owner_client,
        agency,
        policy,
        "what a clown",
        **{
            f"categories-{harassment}-keywords": "clown",
            f"categories-{harassment}-action": "remove",
        },
    ).content.decode()
    assert "Remove the message." in html
    assert PolicyVersion.objects.filter(policy=policy).count() == 1


def test_preview_with_a_broken_policy_says_so(owner_client, agency, policy):
    response = preview(
        owner_client,
        agency,
        policy,
        "hello",
        **{"categories-0-name": "threats ", "categories-1-name": "threats"},
    )
    assert response.status_code == 400
    assert "needs a unique name" in response.content.decode()


@pytest.mark.parametrize(
    ("sample", "kind", "message"),
    [("", "comment", "This field is required."), ("hi", "fax", "Select a valid choice")],
)
def test_preview_bad_input(owner_client, agency, policy, sample, kind, message):
    response = preview(owner_client, agency, policy, sample, kind=kind)
    assert response.status_code == 400 and message in response.content.decode()


def test_a_reader_previews_the_current_version(agency, policy, manager_client):
    response = manager_client.post(
        policy_url(agency, policy, "policy-preview"),
        {"sample": "my lawyer will sue you", "sample_kind": "comment"},
    )
    assert response.status_code == 200
    assert "Open a case at Legal / PR." in response.content.decode()


def test_another_agencys_policy_cannot_be_previewed(agency, other_agency, owner_client):
    theirs = policy_ensure_default(agency=other_agency)
    response = owner_client.post(policy_url(agency, theirs, "policy-preview"), {"sample": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize(("role", "status"), [(Role.FINANCE, 403), (Role.CREATOR, 403)])
def test_finance_and_creators_cannot_preview(agency, policy, role, status):
    client = client_for(member(agency, role))
    response = client.post(policy_url(agency, policy, "policy-preview"), {"sample": "x"})
    assert response.status_code == status
