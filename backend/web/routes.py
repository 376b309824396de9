"""The dashboard's route table, in one place."""

from pathlib import Path

from aiohttp import web

from . import (
    admin,
    auth,
    case_actions,
    files,
    views_admin_access,
    views_admin_departments,
    views_admin_estates,
    views_admin_staff,
    views_case,
    views_cases,
    views_desk,
    views_desk_lookup,
    views_estates_compared,
    views_incidents,
    views_overview,
    views_preferences,
    views_reports,
)
from .state import PREFIX, STATIC_PREFIX

STATIC_DIR = Path(__file__).resolve().parent / "static"
MONTH = r"{month:\d{4}-\d{2}}"
NUMBER = r"{number:[A-Za-z0-9-]{1,40}}"
ADMIN = f"{PREFIX}/admin"
STAFF_ID = r"{staff_id:\d{1,9}}"
DEPARTMENT_ID = r"{department_id:\d{1,9}}"
TOKEN_ID = r"{token_id:\d{1,9}}"
ESTATE_CODE = r"{code:[A-Za-z0-9_-]{1,32}}"
INCIDENT_ID = r"{incident_id:\d{1,9}}"

ROUTES: tuple[tuple[str, str, object], ...] = (
    ("GET", PREFIX, views_overview.overview),
    ("GET", f"{PREFIX}/", views_overview.overview),
    ("GET", f"{PREFIX}/sign-in/{{token}}", auth.sign_in),
    ("POST", f"{PREFIX}/logout", auth.sign_out),
    ("POST", f"{PREFIX}/language", views_preferences.set_language),
    ("GET", f"{PREFIX}/cases", views_cases.case_list),
    ("GET", f"{PREFIX}/cases.csv", views_cases.export_csv),
    ("GET", f"{PREFIX}/cases.xlsx", views_cases.export_xlsx),
    # The desk's "new" comes before a case number (it would match NUMBER).
    ("GET", views_desk.DESK_PATH, views_desk.desk_form),
    ("POST", views_desk.DESK_PATH, views_desk.desk_save),
    ("GET", f"{PREFIX}/callers", views_desk_lookup.caller_lookup),
    ("GET", f"{PREFIX}/triage", views_desk_lookup.live_triage),
    ("POST", f"{PREFIX}/triage", views_desk_lookup.live_triage),
    ("GET", f"{PREFIX}/cases/{NUMBER}", views_case.case_page),
    ("GET", f"{PREFIX}/cases/{NUMBER}/filed", views_desk.filed_page),
    ("GET", f"{PREFIX}/cases/{NUMBER}/files/{{attachment_id:\\d{{1,9}}}}", files.case_file),
    ("POST", f"{PREFIX}/cases/{NUMBER}/{{action:[a-z_]{{1,32}}}}", case_actions.case_action),
    ("GET", views_incidents.LIST_PATH, views_incidents.incident_list),
    ("GET", f"{views_incidents.LIST_PATH}.csv", views_incidents.export_csv),
    ("GET", f"{views_incidents.LIST_PATH}/{INCIDENT_ID}", views_incidents.incident_page),
    (
        "POST",
        f"{views_incidents.LIST_PATH}/{INCIDENT_ID}/{{action:[a-z]{{1,16}}}}",
        views_incidents.incident_action,
    ),
    ("GET", f"{PREFIX}/reports", views_reports.report_list),
    ("GET", f"{PREFIX}/reports/{MONTH}", views_reports.report_page),
    ("GET", f"{PREFIX}/reports/{MONTH}.xlsx", views_reports.report_xlsx),
    ("GET", views_estates_compared.PATH, views_estates_compared.estates_compared),
    ("GET", f"{views_estates_compared.PATH}.xlsx", views_estates_compared.estates_compared_xlsx),
    ("GET", ADMIN, admin.admin_home),
    ("GET", f"{ADMIN}/staff", views_admin_staff.staff_page),
    ("POST", f"{ADMIN}/staff", views_admin_staff.staff_add),
    ("POST", f"{ADMIN}/staff/{STAFF_ID}/update", views_admin_staff.staff_update),
    ("POST", f"{ADMIN}/staff/{STAFF_ID}/deactivate", views_admin_staff.staff_deactivate),
    ("GET", f"{ADMIN}/invites", views_admin_access.invites_page),
    ("POST", f"{ADMIN}/invites", views_admin_access.invite_create),
    ("GET", f"{ADMIN}/departments", views_admin_departments.departments_page),
    ("POST", f"{ADMIN}/departments", views_admin_departments.department_save),
    (
        "POST",
        f"{ADMIN}/departments/{DEPARTMENT_ID}/deactivate",
        views_admin_departments.department_deactivate,
    ),
    ("GET", f"{ADMIN}/estates", views_admin_estates.estates_page),
    ("POST", f"{ADMIN}/estates", views_admin_estates.estate_add),
    ("POST", f"{ADMIN}/estates/{ESTATE_CODE}", views_admin_estates.estate_edit),
    ("GET", f"{ADMIN}/estates/{ESTATE_CODE}/residents", views_admin_estates.residents_page),
    ("POST", f"{ADMIN}/estates/{ESTATE_CODE}/residents", views_admin_estates.residents_upload),
    ("GET", f"{ADMIN}/estates/{ESTATE_CODE}/residents.xlsx", views_admin_estates.residents_xlsx),
    ("GET", f"{ADMIN}/estates/{ESTATE_CODE}/poster.png", views_admin_estates.estate_poster_png),
    ("GET", f"{ADMIN}/estates/{ESTATE_CODE}/poster.pdf", views_admin_estates.estate_poster_pdf),
    ("GET", f"{ADMIN}/tokens", views_admin_access.tokens_page),
    ("POST", f"{ADMIN}/tokens", views_admin_access.token_create),
    ("POST", f"{ADMIN}/tokens/{TOKEN_ID}/revoke", views_admin_access.token_revoke),
)


def add_routes(router: web.UrlDispatcher) -> None:
    for method, path, handler in ROUTES:
        router.add_route(method, path, handler)  # type: ignore[arg-type]
    router.add_static(STATIC_PREFIX, STATIC_DIR, append_version=False)
