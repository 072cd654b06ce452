"""Delivering moderation's outbox through a linked account, against the fake TikTok: the
automatic reply after its delay, hides, retries on 429, expired and revoked tokens, crisis
mode, permanent refusals, a worker killed mid-delivery, and tenancy."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from moderation.inbound import MessageIn, messages_ingest
from moderation.models import (
    ActionKind,
    ActionOutcome,
    AutomatedAction,
    Case,
    Delivery,
    InboundMessage,
    MessageSource,
    ModerationSettings,
    OutboxMessage,
)
from moderation.outbox import send_due_actions
from platforms.delivery import SENDING_LEASE, outbox_deliver_due
from platforms.models import AccountStatus
from platforms.sync import account_sync

from ..fakes.tiktok import link_fake_account

pytestmark = pytest.mark.django_db


def _comment_synced(agency, fake, capture, text="What is the price?", handle="mila"):
    """A linked account with one video and one comment, pulled and triaged."""
    account, remote = link_fake_account(agency, fake, handle=handle)
    video = fake.add_video(remote.open_id)
    comment = fake.add_comment(video.item_id, text=text, username="buyer")
    with capture(execute=True):
        account_sync(account=account)
    message = InboundMessage.objects.get(agency=agency, account=handle)
    return account, video, comment, message


def _scheduled_reply(message) -> AutomatedAction:
    return AutomatedAction.objects.get(
        message=message, kind=ActionKind.REPLY, outcome=ActionOutcome.SCHEDULED
    )


def test_the_automatic_reply_is_posted_after_its_delay(
    agency, tiktok, django_capture_on_commit_callbacks
):
    # given a price question pulled from TikTok and triaged: a reply is scheduled
    _account, video, comment, message = _comment_synced(
        agency, tiktok, django_capture_on_commit_callbacks
    )
    action = _scheduled_reply(message)
    # when the delay has not passed, nothing leaves
    early = action.due_at - timedelta(seconds=1)
    send_due_actions(now=early)
    assert outbox_deliver_due(agency_id=agency.pk, now=early).delivered == 0
    assert tiktok.posted == []
    # then, once due, the sender releases it and the delivery posts it on TikTok
    send_due_actions(now=action.due_at)
    report = outbox_deliver_due(agency_id=agency.pk, now=action.due_at)
    assert report.delivered == 1
    [posted] = tiktok.posted
    assert posted["kind"] == "reply" and posted["comment_id"] == comment.comment_id
    assert posted["video_id"] == video.item_id and posted["text"] == action.text
    row = OutboxMessage.objects.get(action=action)
    assert row.delivery == Delivery.DELIVERED and row.platform_id == posted["id"]
    # and running again posts nothing more
    assert outbox_deliver_due(agency_id=agency.pk, now=action.due_at).delivered == 0
    assert len(tiktok.posted) == 1


def test_an_abusive_comment_is_hidden_on_tiktok(agency, tiktok, django_capture_on_commit_callbacks):
    _account, _video, comment, message = _comment_synced(
        agency, tiktok, django_capture_on_commit_callbacks, text="you are an idiot"
    )
    message.refresh_from_db()
    assert message.hidden
    assert outbox_deliver_due(agency_id=agency.pk).delivered == 1
    assert [(p["kind"], p["comment_id"]) for p in tiktok.posted] == [("hide", comment.comment_id)]
    assert tiktok.comments[comment.comment_id].status == "HIDDEN"


def test_a_rate_limit_is_retried_after_retry_after_and_then_succeeds(
    agency, tiktok, django_capture_on_commit_callbacks
):
    _account, _video, _comment, message = _comment_synced(
        agency, tiktok, django_capture_on_commit_callbacks
    )
    action = _scheduled_reply(message)
    now = action.due_at
    send_due_actions(now=now)
    tiktok.fail_next(1, status=429, path="comment/reply/create", retry_after=120)
    assert outbox_deliver_due(agency_id=agency.pk, now=now).retrying == 1
    row = OutboxMessage.objects.get(action=action)
    assert row.delivery == Delivery.QUEUED and row.next_attempt_at >= now + timedelta(seconds=120)
    assert "slow down" in row.last_error
    # not before TikTok's Retry-After
    assert outbox_deliver_due(agency_id=agency.pk, now=now + timedelta(seconds=60)).delivered == 0
    later = now + timedelta(seconds=121)
    assert outbox_deliver_due(agency_id=agency.pk, now=later).delivered == 1
    assert [p["kind"] for p in tiktok.posted] == ["reply"]


def test_an_expired_token_is_refreshed_before_delivering(
    agency, tiktok, django_capture_on_commit_callbacks
):
    account, _video, _comment, message = _comment_synced(
        agency, tiktok, django_capture_on_commit_callbacks
    )
    action = _scheduled_reply(message)
    send_due_actions(now=action.due_at)
    tiktok.expire_access_tokens()
    assert outbox_deliver_due(agency_id=agency.pk, now=action.due_at).delivered == 1
    account.refresh_from_db()
    assert account.status == AccountStatus.LINKED and account.last_refreshed_at
    assert len(tiktok.posted) == 1


def test_a_revoked_grant_holds_the_actions_and_sends_nothing(
    agency, tiktok, django_capture_on_commit_callbacks
):
    account, _video, _comment, message = _comment_synced(
        agency, tiktok, django_capture_on_commit_callbacks
    )
    action = _scheduled_reply(message)
    send_due_actions(now=action.due_at)
    tiktok.revoke(account.external_id)
    report = outbox_deliver_due(agency_id=agency.pk, now=action.due_at)
    assert report.held == 1 and report.delivered == 0
    account.refresh_from_db()
    assert account.status == AccountStatus.RECONNECT
    row = OutboxMessage.objects.get(action=action)
    assert row.delivery == Delivery.HELD and "reconnect" in row.last_error
    # later runs keep it held while the account is not linked again
    later = action.due_at + timedelta(hours=1)
    assert outbox_deliver_due(agency_id=agency.pk, now=later).delivered == 0
    assert tiktok.posted == []


def test_crisis_mode_cancels_a_promotional_reply_before_it_leaves(
    agency, tiktok, django_capture_on_commit_callbacks
):
    _account, _video, _comment, message = _comment_synced(
        agency, tiktok, django_capture_on_commit_callbacks
    )
    action = _scheduled_reply(message)
    send_due_actions(now=action.due_at)
    AutomatedAction.objects.filter(pk=action.pk).update(promotional=True)
    ModerationSettings.objects.filter(agency=agency).update(crisis_mode=True)
    assert outbox_deliver_due(agency_id=agency.pk, now=action.due_at).cancelled == 1
    assert OutboxMessage.objects.get(action=action).delivery == Delivery.CANCELLED
    assert tiktok.posted == []


def test_a_permanent_refusal_is_shown_on_the_outbox_and_a_case(
    agency, tiktok, owner_client, django_capture_on_commit_callbacks
):
    _account, _video, comment, message = _comment_synced(
        agency, tiktok, django_capture_on_commit_callbacks
    )
    action = _scheduled_reply(message)
    send_due_actions(now=action.due_at)
    tiktok.comments[comment.comment_id].status = "DELETED"  # the author deleted it meanwhile
    assert outbox_deliver_due(agency_id=agency.pk, now=action.due_at).failed == 1
    row = OutboxMessage.objects.get(action=action)
    assert row.delivery == Delivery.FAILED and "No such comment" in row.last_error
    case = Case.objects.get(message=message)
    assert "Could not post" in case.title
    assert tiktok.posted == []
    page = owner_client.get(reverse("moderation:outbox", kwargs={"agency_slug": agency.slug}))
    assert "Failed" in page.text and "No such comment" in page.text


def test_actions_of_an_unlinked_account_stay_for_a_person(
    agency, tiktok, django_capture_on_commit_callbacks
):
    # given a comment that came in by the API for an account with no live connection
    incoming = MessageIn(
        platform="tiktok",
        platform_message_id="api-1",
        kind="comment",
        account="notlinked",
        author="fan",
        text="how much is this?",
        sent_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = messages_ingest(agency=agency, messages=[incoming], source=MessageSource.API)
    action = _scheduled_reply(InboundMessage.objects.get(pk=result.created[0]))
    send_due_actions(now=action.due_at)
    # then the outbox row is for a person to post; TikTok is not asked
    report = outbox_deliver_due(agency_id=agency.pk, now=action.due_at)
    assert (report.manual, report.delivered) == (1, 0)
    assert OutboxMessage.objects.get(action=action).delivery == Delivery.MANUAL
    assert tiktok.requests == []


class Killed(BaseException):
    """The worker process dying (SIGKILL) right after TikTok took the request."""


def test_a_worker_killed_mid_delivery_never_double_posts(
    agency, tiktok, settings, django_capture_on_commit_callbacks
):
    _account, _video, comment, message = _comment_synced(
        agency, tiktok, django_capture_on_commit_callbacks
    )
    action = _scheduled_reply(message)
    now = timezone.now()
    AutomatedAction.objects.filter(pk=action.pk).update(due_at=now)
    send_due_actions(now=now)

    def dies_after_posting():
        def handle(request):
            response = tiktok.handle(request)
            if request.url.path.endswith("comment/reply/create/"):
                raise Killed
            return response

        return httpx.MockTransport(handle)

    # given a worker that dies once TikTok has posted the reply
    settings.PLATFORMS_HTTP_TRANSPORT = f"{__name__}.transport_of_the_test"
    globals()["transport_of_the_test"] = dies_after_posting
    with pytest.raises(Killed):
        outbox_deliver_due(agency_id=agency.pk, now=now)
    assert len(tiktok.posted) == 1
    row = OutboxMessage.objects.get(action=action)
    assert row.delivery == Delivery.SENDING and row.attempt_key
    # when another worker runs at once, the row is still someone else's
    settings.PLATFORMS_HTTP_TRANSPORT = "platforms.fake_tiktok.transport"
    assert outbox_deliver_due(agency_id=agency.pk, now=now).delivered == 0
    # then after the lease it finds the reply already on TikTok and records it
    later = now + SENDING_LEASE + timedelta(seconds=1)
    assert outbox_deliver_due(agency_id=agency.pk, now=later).delivered == 1
    assert len(tiktok.posted) == 1
    row.refresh_from_db()
    assert row.delivery == Delivery.DELIVERED and row.platform_id == tiktok.posted[0]["id"]
    assert tiktok.comments[row.platform_id].parent_comment_id == comment.comment_id


def test_another_agencys_outbox_is_never_delivered(
    agency, other_agency, tiktok, django_capture_on_commit_callbacks
):
    _account, _video, _comment, message = _comment_synced(
        agency, tiktok, django_capture_on_commit_callbacks
    )
    action = _scheduled_reply(message)
    send_due_actions(now=action.due_at)
    report = outbox_deliver_due(agency_id=other_agency.pk, now=action.due_at)
    assert (report.routed, report.delivered) == (0, 0)
    assert OutboxMessage.objects.get(action=action).delivery == Delivery.PENDING
    assert tiktok.posted == []


def _dm_due(agency, account, contact_handle: str) -> AutomatedAction:
    """An automated DM to someone who opted in, due now (as the DM sequence schedules it)."""
    from moderation.models import Contact

    contact, _ = Contact.objects.get_or_create(
        agency=agency, platform="tiktok", handle=contact_handle
    )
    contact.dm_opted_in_at = timezone.now() - timedelta(hours=1)
    contact.save(update_fields=["dm_opted_in_at"])
    return AutomatedAction.objects.create(
        agency=agency,
        contact=contact,
        kind=ActionKind.DM,
        outcome=ActionOutcome.SCHEDULED,
        platform="tiktok",
        account=account.handle,
        text="Thanks! What is your name?",
        due_at=timezone.now(),
    )


def test_a_dm_answers_the_conversation_the_person_started(agency, tiktok, client):
    account, _remote = link_fake_account(agency, tiktok)
    message = tiktok.add_dm(
        account.external_id, conversation_id="conv-9", from_user="fan", text="hi"
    )
    body, headers = tiktok.webhook_delivery(tiktok.dm_event(account.external_id, message))
    client.post(
        reverse("platforms_webhooks:tiktok"),
        data=body,
        content_type="application/json",
        headers={"TikTok-Signature": headers["TikTok-Signature"]},
    )
    action = _dm_due(agency, account, "fan")
    send_due_actions()
    assert outbox_deliver_due(agency_id=agency.pk).delivered == 1
    [posted] = tiktok.posted
    assert posted["kind"] == "dm" and posted["conversation_id"] == "conv-9"
    assert OutboxMessage.objects.get(action=action).platform_id == posted["id"]


def test_a_dm_to_someone_who_never_wrote_is_left_for_a_person(agency, tiktok):
    account, _remote = link_fake_account(agency, tiktok)
    action = _dm_due(agency, account, "stranger")
    send_due_actions()
    assert outbox_deliver_due(agency_id=agency.pk).manual == 1
    row = OutboxMessage.objects.get(action=action)
    assert row.delivery == Delivery.MANUAL and "conversation the person started" in row.last_error
    assert tiktok.posted == []


def test_a_dm_whose_answer_never_came_is_not_sent_again(agency, tiktok, client):
    account, _remote = link_fake_account(agency, tiktok)
    message = tiktok.add_dm(
        account.external_id, conversation_id="conv-9", from_user="fan", text="hi"
    )
    body, headers = tiktok.webhook_delivery(tiktok.dm_event(account.external_id, message))
    client.post(
        reverse("platforms_webhooks:tiktok"),
        data=body,
        content_type="application/json",
        headers={"TikTok-Signature": headers["TikTok-Signature"]},
    )
    action = _dm_due(agency, account, "fan")
    send_due_actions()
    tiktok.fail_next(1, status=503, path="message/send")
    assert outbox_deliver_due(agency_id=agency.pk).failed == 1
    row = OutboxMessage.objects.get(action=action)
    assert "may have been sent" in row.last_error
    later = timezone.now() + timedelta(hours=1)
    assert outbox_deliver_due(agency_id=agency.pk, now=later).delivered == 0
    assert tiktok.posted == []


def test_the_beat_delivers_every_agencys_due_rows_under_its_own_agency(
    agency, other_agency, tiktok, django_capture_on_commit_callbacks
):
    from platforms.tasks import deliver_due_task

    for owner, handle in ((agency, "mila"), (other_agency, "theirs")):
        _comment_synced(
            owner,
            tiktok,
            django_capture_on_commit_callbacks,
            text="you are an idiot",
            handle=handle,
        )
    assert deliver_due_task() == 2
    assert sorted(p["kind"] for p in tiktok.posted) == ["hide", "hide"]
    assert set(OutboxMessage.objects.values_list("delivery", flat=True)) == {Delivery.DELIVERED}


def test_the_outbox_api_tells_how_each_delivery_went(
    agency, tiktok, owner_client, django_capture_on_commit_callbacks
):
    _comment_synced(agency, tiktok, django_capture_on_commit_callbacks, text="you are an idiot")
    outbox_deliver_due(agency_id=agency.pk)
    url = reverse("api:moderation-outbox-list", kwargs={"agency_slug": agency.slug})
    [row] = owner_client.get(url).json()["results"]
    assert row["kind"] == "hide" and row["delivery"] == "delivered"
    assert row["platform_id"] == tiktok.posted[0]["comment_id"] and row["last_error"] == ""
