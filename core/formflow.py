"""The one shape of a form that hands its data to a service.

Forms check the shape of the input; services check the rules and raise ValidationError.
`submit_form` runs the service on a valid POST and either redirects with a success message or
leaves the form holding the service's errors for the caller to render again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: next to the field when the form has it,
    above the form otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def submit_form(
    request: HttpRequest,
    form: forms.Form,
    action: Callable[[dict], Any],
    *,
    success: str,
    redirect_to: str | Callable[[Any], str],
) -> HttpResponse | None:
    """On a POST whose form is valid, call `action(form.cleaned_data)`.

    Returns the redirect (to `redirect_to`, or `redirect_to(result)`) after a success message,
    or None when there is nothing to redirect to: a GET, an invalid form, or a service that
    refused (its errors are now on the form). The caller renders the form page then.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(request, success)
    return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
