"""The demo crisis playbook: the library and one past drill, made once."""

from __future__ import annotations

import pytest

from creators.insights.selectors import agency_today
from crisis.demo import seed_demo_crisis
from crisis.models import CrisisReply, Drill

pytestmark = pytest.mark.django_db


def test_the_demo_has_the_library_and_one_past_drill_and_reruns_add_nothing(agency, owner, manager):
    assert seed_demo_crisis(agency) is True
    assert seed_demo_crisis(agency) is False

    drill = Drill.objects.get(agency=agency)
    assert drill.held_on < agency_today(agency)
    assert set(drill.participant_ids) == {owner.pk, manager.pk}
    assert drill.level_minutes["4"] == 134
    assert CrisisReply.objects.filter(agency=agency, language="nl").count() == 4
