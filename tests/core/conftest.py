from __future__ import annotations

import pytest
from django.test import Client

from agencies.models import Membership
from agencies.tokens import api_token_create


def token_client(user, agency) -> Client:
    membership = Membership.objects.get(user=user, agency=agency)
    _, raw = api_token_create(membership=membership, name="test", actor=user)
    return Client(HTTP_AUTHORIZATION=f"Token {raw}")


@pytest.fixture
def owner_api(owner, agency) -> Client:
    return token_client(owner, agency)
