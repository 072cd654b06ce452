"""What the OpenAPI schema says about our authentication, loaded when a schema is generated.

drf-spectacular registers an extension when its class is defined, and defining one imports
drf-spectacular's plumbing with `django.test` and Jinja2: a tenth of every start-up's URL check.
`SPECTACULAR_SETTINGS["PREPROCESSING_HOOKS"]` names `with_token_scheme`, so generating a schema
(the schema view, `manage.py spectacular`, a SchemaGenerator) imports this module first.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """Describes `Authorization: Token td_…` in the OpenAPI schema (registered on import)."""

    target_class = "agencies.api_auth.PersonalTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal API token: `Token td_<prefix>_<secret>`.",
        }


def with_token_scheme(endpoints: list) -> list:
    """The endpoints unchanged: importing this module registered `PersonalTokenScheme`."""
    return endpoints
