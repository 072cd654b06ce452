"""Dispute evidence packs on the S3 backend: the task stores the ZIP in the bucket (nothing on
the local disk) and the download reads it back from there."""

from __future__ import annotations

import io
import zipfile

from django.urls import reverse

from payouts.models import DisputeEvidencePack
from tests.config.test_media_s3 import bucket, s3_endpoint  # noqa: F401 - fixtures
from tests.helpers import client_for

from .test_evidence import CODE, dispute  # noqa: F401 - the dispute fixture


def test_the_pack_is_stored_in_the_bucket_and_downloaded_from_it(
    bucket,  # noqa: F811
    agency,
    finance,
    dispute,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    client = client_for(finance)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("payouts:dispute_evidence", args=[agency.slug, dispute.pk]),
            {"campaign_code": CODE},
        )

    pack = DisputeEvidencePack.objects.get()
    assert pack.status == "ready"
    assert bucket.keys("dispute-evidence/") == [pack.file.name]
    response = client.get(reverse("payouts:evidence_download", args=[agency.slug, pack.pk]))
    body = b"".join(response.streaming_content)
    assert body == bucket.read(pack.file.name)
    assert "transcript.csv" in zipfile.ZipFile(io.BytesIO(body)).namelist()
