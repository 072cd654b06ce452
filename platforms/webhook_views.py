"""The webhook endpoint: authenticated by TikTok's signature, not by a login."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .webhooks import WebhookRejected, tiktok_webhook_receive


@csrf_exempt
@require_POST
def tiktok_webhook(request: HttpRequest) -> JsonResponse:
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"error": _("the body is too large")}, status=413)
    try:
        outcome = tiktok_webhook_receive(
            body=body, header=request.headers.get("TikTok-Signature", "")
        )
    except WebhookRejected as exc:
        return JsonResponse({"error": str(exc)}, status=exc.status)
    return JsonResponse({"status": outcome})
