"""Factories for the whole suite. State that matters is built through services in tests;
these only make plain rows quickly."""

from __future__ import annotations

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from agencies.models import Agency, Membership
from agencies.roles import Role
from creators.models import Creator, NicheTag, SocialAccount

PASSWORD = "correct-horse-battery-staple"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    timezone = "Europe/Amsterdam"
    default_currency = "EUR"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.LazyAttribute(lambda o: o.email)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        # allauth needs a verified address for its login flow (browser tests use it).
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Role.MANAGER


class NicheTagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NicheTag
        django_get_or_create = ("agency", "name")

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Iterator(["beauty", "finance", "tech", "education", "gaming", "food"])


class CreatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Creator
        skip_postgeneration_save = True

    agency = factory.SubFactory(AgencyFactory)
    display_name = factory.Sequence(lambda n: f"Creator {n}")
    legal_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"creator{n}@example.com")
    country = "NL"
    account_type = "creator"
    status = "active"

    @factory.post_generation
    def niches(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.niches.set(extracted)


class SocialAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialAccount

    creator = factory.SubFactory(CreatorFactory)
    agency = factory.LazyAttribute(lambda o: o.creator.agency)
    platform = "tiktok"
    handle = factory.Sequence(lambda n: f"handle{n}")
    followers = 12_000


class PlatformAccountFactory(factory.django.DjangoModelFactory):
    """A linked TikTok account (tokens set encrypted, one day of access left)."""

    class Meta:
        model = "platforms.PlatformAccount"
        skip_postgeneration_save = True

    creator = factory.SubFactory(CreatorFactory)
    agency = factory.LazyAttribute(lambda o: o.creator.agency)
    platform = "tiktok"
    external_id = factory.Sequence(lambda n: f"open-id-{n}")
    handle = factory.Sequence(lambda n: f"linked{n}")
    display_name = factory.LazyAttribute(lambda o: o.handle.title())
    status = "linked"
    scopes = factory.LazyFunction(lambda: list(settings.TIKTOK_SCOPES))

    @factory.post_generation
    def tokens(obj, create, extracted, **kwargs):
        # tokens=False: an account without tokens; tokens=("access", "refresh"): those.
        if extracted is False:
            return
        access, refresh = extracted or (f"act.{obj.external_id}", f"rft.{obj.external_id}")
        now = timezone.now()
        obj.set_tokens(
            access_token=access,
            refresh_token=refresh,
            access_expires_at=now + timedelta(days=1),
            refresh_expires_at=now + timedelta(days=365),
        )
        if create:
            obj.save()
