"""Where uploaded and generated files live (`STORAGES["default"]`), read from the environment.

Logos, bank files queued for a background import, contract and sponsor report PDFs go
through Django's storage API only: MEDIA_ROOT by default, an S3-compatible bucket when
`AWS_STORAGE_BUCKET_NAME` names one, so a worker on another machine reads what the web
process stored. Either way they leave only through the app's tenant-checked views, never as
a bucket URL (objects are private; a signed URL, should one be made, lives five minutes).
"""

from __future__ import annotations

import environ

FILESYSTEM = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"


def media_storage(env: environ.Env) -> dict:
    """The `STORAGES["default"]` entry for this environment."""
    bucket = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    if not bucket:
        return {"BACKEND": FILESYSTEM}
    return {
        "BACKEND": S3,
        "OPTIONS": {
            # Credentials come from boto3's own chain (AWS_ACCESS_KEY_ID and
            # AWS_SECRET_ACCESS_KEY, a profile, an instance or pod role), never from settings.
            "bucket_name": bucket,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "location": env.str("AWS_LOCATION", default=""),
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
            "signature_version": "s3v4",
            # Private objects: no ACL of our own (the bucket's, private), signed URLs only.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "custom_domain": None,
            # Two agencies' files may share a name (a report per campaign code): S3 would
            # overwrite silently, so a taken name gets a suffix as on the filesystem.
            "file_overwrite": False,
            # A file read back (a 100 MB bank statement) spills to a temporary file above this.
            "max_memory_size": 5 * 1024 * 1024,
        },
    }
