"""What every app uses (DESIGN.md): the lowest layer, importing no app of the project.

No models: core owns no tables; tenant data starts in agencies, one layer up.
No services: core writes no rows; apps write through their own services with its helpers.
No selectors: core has no tables to read.
No views: core serves no pages; middleware.py refuses control characters before any view,
sets the content security policy of every response and starts the request's database scope.
db_scope.py: the connection's row-level-security scope (app.agency_id, app.user_id, the app
role) for requests, tasks and commands; the policies that read it, which name the agency
tables, are agencies/rls.py.
downloads.py and spreadsheets.py (CSV) build the never-cached file responses of the apps'
views.
No api: core serves no endpoint; request_json.py, api_numbers.py and api_pagination.py (every
list's page size, REST_FRAMEWORK's DEFAULT_PAGINATION_CLASS) serve the apps' APIs.
No serializers: core has no API; api_numbers.py guards the apps' DRF number fields.
No forms: core has no pages; numbers.py guards every number field of the apps' forms,
formflow.py hands a valid form's data to a service and puts its refusal back on the form.
No tasks: nothing of core runs in the background.
No permissions: core knows no member or role (agencies.roles, each app's permissions.py).
No admin: core has no models.
"""
