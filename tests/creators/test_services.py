"""The roster services: every rule they enforce, and the audit entry each write leaves."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from agencies.models import AuditLog
from agencies.roles import Role
from creators import services
from creators.models import Creator, CreatorStatus, NicheTag, SocialAccount
from tests.factories import CreatorFactory
from tests.helpers import member

from .support import audit_actions


def _create(agency, actor, **kwargs) -> Creator:
    data = {"display_name": "Mila Jansen", "email": "mila@example.com", **kwargs}
    return services.creator_create(agency=agency, actor=actor, **data)


def test_creating_a_creator_saves_it_with_its_niches_and_audits_it(agency, owner, manager):
    creator = _create(
        agency, owner, country="NL", account_manager=manager, niches=["Beauty", "tech"]
    )

    creator.refresh_from_db()
    assert creator.agency == agency
    assert creator.account_manager == manager
    assert sorted(t.name for t in creator.niches.all()) == ["Beauty", "tech"]
    entry = AuditLog.objects.get(agency=agency, action="creator.create")
    assert entry.actor == owner
    assert entry.object_id == str(creator.pk)
    assert entry.after["email"] == "mila@example.com"
    assert entry.after["niches"] == ["Beauty", "tech"]


def test_niches_are_matched_case_insensitively_and_never_duplicated(agency, owner):
    first = _create(agency, owner, niches=["Beauty", "beauty ", "BEAUTY"])
    second = _create(agency, owner, email="noah@example.com", niches=["beauty", "Food"])

    assert NicheTag.objects.filter(agency=agency).count() == 2
    assert [t.name for t in first.niches.all()] == ["Beauty"]
    assert sorted(t.name for t in second.niches.all()) == ["Beauty", "Food"]


def test_niche_tags_belong_to_one_agency(agency, other_agency, owner):
    services.niche_tags_get_or_create(agency=other_agency, names=["beauty"])

    tags = services.niche_tags_get_or_create(agency=agency, names=["Beauty"])

    assert tags[0].agency == agency
    assert NicheTag.objects.count() == 2


def test_the_email_is_unique_in_the_agency_whatever_its_case(agency, other_agency, owner):
    _create(agency, owner)
    _create(other_agency, None)  # another agency may have the same creator

    with pytest.raises(ValidationError) as exc:
        _create(agency, owner, display_name="Copy", email="MILA@example.com")

    assert "email" in exc.value.message_dict
    assert Creator.objects.filter(agency=agency).count() == 1


@pytest.mark.parametrize("role", [Role.FINANCE, Role.COMMUNITY_MANAGER, Role.CREATOR])
def test_the_account_manager_must_be_an_owner_or_manager(agency, owner, role):
    not_a_manager = member(agency, role)

    with pytest.raises(ValidationError) as exc:
        _create(agency, owner, account_manager=not_a_manager)

    assert "account_manager" in exc.value.message_dict
    assert not Creator.objects.filter(email="mila@example.com").exists()


def test_a_manager_of_another_agency_cannot_manage_our_creators(agency, owner, outsider):
    with pytest.raises(ValidationError) as exc:
        _create(agency, owner, account_manager=outsider)

    assert "account_manager" in exc.value.message_dict


def test_the_login_must_be_a_creator_member_of_the_agency(agency, owner, manager):
    with pytest.raises(ValidationError) as exc:
        _create(agency, owner, user=manager)

    assert "user" in exc.value.message_dict


def test_a_login_links_to_one_creator_only(agency, owner, creator_user):
    # creator_user already has a roster entry (tests/helpers.py: member()).
    with pytest.raises(ValidationError) as exc:
        _create(agency, owner, user=creator_user)

    assert "user" in exc.value.message_dict


def test_a_free_creator_login_can_be_linked(agency, owner):
    login = member(agency, Role.CREATOR)
    Creator.objects.filter(user=login).update(user=None)

    creator = _create(agency, owner, user=login)

    assert creator.user == login


def test_a_date_of_birth_in_the_future_is_refused(agency, owner):
    with pytest.raises(ValidationError) as exc:
        _create(agency, owner, date_of_birth=timezone.localdate() + timedelta(days=1))

    assert "date_of_birth" in exc.value.message_dict


def test_updating_a_creator_audits_only_what_changed(agency, owner):
    creator = _create(agency, owner, country="NL", niches=["beauty"])

    services.creator_update(
        creator=creator, actor=owner, country="BE", niches=["beauty", "food"], notes=""
    )

    entry = AuditLog.objects.get(agency=agency, action="creator.update")
    assert entry.before == {"country": "NL", "niches": ["beauty"]}
    assert entry.after == {"country": "BE", "niches": ["beauty", "food"]}


def test_an_update_that_changes_nothing_leaves_no_audit_entry(agency, owner):
    creator = _create(agency, owner, country="NL")

    services.creator_update(creator=creator, actor=owner, country="NL")

    assert audit_actions(agency) == ["creator.create"]


def test_an_update_cannot_take_another_creators_email(agency, owner):
    _create(agency, owner)
    noah = _create(agency, owner, display_name="Noah", email="noah@example.com")

    with pytest.raises(ValidationError):
        services.creator_update(creator=noah, actor=owner, email="Mila@Example.com")

    noah.refresh_from_db()
    assert noah.email == "noah@example.com"


def test_offboarding_keeps_the_creator_marks_the_time_and_audits_the_reason(agency, owner):
    creator = _create(agency, owner)

    services.creator_offboard(creator=creator, actor=owner, reason="Contract ended")

    creator.refresh_from_db()
    assert creator.status == CreatorStatus.OFFBOARDED
    assert creator.offboarded_at is not None
    entry = AuditLog.objects.get(agency=agency, action="creator.offboard")
    assert entry.after["reason"] == "Contract ended"
    assert entry.before["status"] == "active"


def test_offboarding_twice_is_refused(agency, owner):
    creator = _create(agency, owner, status=CreatorStatus.OFFBOARDED)
    assert creator.offboarded_at is not None

    with pytest.raises(ValidationError):
        services.creator_offboard(creator=creator, actor=owner)


def test_reactivating_clears_the_offboarding(agency, owner):
    creator = _create(agency, owner)
    services.creator_offboard(creator=creator, actor=owner)

    services.creator_reactivate(creator=creator, actor=owner)

    creator.refresh_from_db()
    assert creator.status == CreatorStatus.ACTIVE
    assert creator.offboarded_at is None
    assert audit_actions(agency)[-1] == "creator.reactivate"


def test_only_an_offboarded_creator_can_be_reactivated(agency, owner):
    creator = _create(agency, owner, status=CreatorStatus.PAUSED)

    with pytest.raises(ValidationError):
        services.creator_reactivate(creator=creator, actor=owner)


def test_a_status_set_through_update_keeps_offboarded_at_in_step(agency, owner):
    creator = _create(agency, owner)

    services.creator_update(creator=creator, actor=owner, status=CreatorStatus.OFFBOARDED)
    creator.refresh_from_db()
    assert creator.offboarded_at is not None

    services.creator_update(creator=creator, actor=owner, status=CreatorStatus.PAUSED)
    creator.refresh_from_db()
    assert creator.offboarded_at is None


def test_update_refuses_fields_it_does_not_own(agency, owner):
    creator = _create(agency, owner)

    with pytest.raises(TypeError):
        services.creator_update(creator=creator, actor=owner, agency=None)


# --- social accounts -------------------------------------------------------------------------


def test_adding_an_account_strips_the_at_sign_fills_the_url_and_audits(agency, owner):
    creator = _create(agency, owner)

    account = services.social_account_add(
        creator=creator, actor=owner, platform="tiktok", handle="@milamakes", followers=48200
    )

    assert account.handle == "milamakes"
    assert account.agency == agency
    assert account.profile_url == "https://www.tiktok.com/@milamakes"
    entry = AuditLog.objects.get(agency=agency, action="social_account.add")
    assert entry.after["creator"] == creator.pk
    assert entry.after["followers"] == 48200


def test_a_handle_belongs_to_one_creator_per_platform_whatever_its_case(agency, owner):
    mila = _create(agency, owner)
    noah = _create(agency, owner, display_name="Noah", email="noah@example.com")
    services.social_account_add(creator=mila, actor=owner, platform="tiktok", handle="MilaMakes")

    with pytest.raises(ValidationError) as exc:
        services.social_account_add(
            creator=noah, actor=owner, platform="tiktok", handle="milamakes"
        )
    assert "Mila Jansen" in exc.value.message_dict["handle"][0]

    # The same handle on another platform is someone else's business.
    services.social_account_add(creator=noah, actor=owner, platform="youtube", handle="milamakes")


@pytest.mark.parametrize("handle", ["", "mila makes", "mila/../x", "<script>", "a" * 101])
def test_a_malformed_handle_is_refused(agency, owner, handle):
    creator = _create(agency, owner)

    with pytest.raises(ValidationError) as exc:
        services.social_account_add(creator=creator, actor=owner, platform="x", handle=handle)

    assert "handle" in exc.value.message_dict
    assert not SocialAccount.objects.exists()


def test_an_account_with_a_default_url_follows_a_new_handle(agency, owner):
    creator = _create(agency, owner)
    account = services.social_account_add(
        creator=creator, actor=owner, platform="instagram", handle="mila"
    )

    services.social_account_update(account=account, actor=owner, handle="mila.jansen")

    account.refresh_from_db()
    assert account.profile_url == "https://www.instagram.com/mila.jansen/"
    entry = AuditLog.objects.get(agency=agency, action="social_account.update")
    assert entry.before["handle"] == "mila"
    assert entry.after["handle"] == "mila.jansen"


def test_a_custom_profile_url_is_kept_when_the_handle_changes(agency, owner):
    creator = _create(agency, owner)
    account = services.social_account_add(
        creator=creator,
        actor=owner,
        platform="youtube",
        handle="mila",
        profile_url="https://www.youtube.com/channel/UC123",
    )

    services.social_account_update(account=account, actor=owner, handle="milaj")

    account.refresh_from_db()
    assert account.profile_url == "https://www.youtube.com/channel/UC123"


def test_removing_an_account_keeps_what_it_was_in_the_audit_log(agency, owner):
    creator = _create(agency, owner)
    account = services.social_account_add(
        creator=creator, actor=owner, platform="twitch", handle="mila", followers=10
    )

    services.social_account_remove(account=account, actor=owner)

    assert not SocialAccount.objects.exists()
    entry = AuditLog.objects.get(agency=agency, action="social_account.remove")
    assert entry.before["handle"] == "mila"


def test_services_refuse_a_creator_with_an_impossible_birth_year(agency, owner):
    with pytest.raises(ValidationError):
        _create(agency, owner, date_of_birth=date(1850, 1, 1))


def test_a_creator_factory_row_is_editable_through_the_services(agency, owner):
    creator = CreatorFactory(agency=agency)

    services.creator_update(creator=creator, actor=owner, display_name="  Renamed  ")

    creator.refresh_from_db()
    assert creator.display_name == "Renamed"
