"""In real Chromium: staff upload a goal-document workbook, follow the
import on its job page while it waits for a worker and runs, and see the
result; then export the workbook from the overview and download it from
the job's page. The jobs wait in the database until a worker (run in the
test) takes them; the page polls its status and shows the result."""

import re
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from participants.models import Participant
from rattinsats.models import FileJob
from tests.a11y import serious_violations
from tests.conftest import browser_login
from tests.factories import ensure_reference_data

from .jobs_for_tests import run_jobs
from .test_workbook import row, workbook_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def database_jobs(settings, private_media):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.RATTINSATS_JOB_PROGRESS_SECONDS = 0


def test_staff_import_and_export_the_workbook_through_jobs(
    page, live_server, owner, database_jobs, tmp_path
):
    ensure_reference_data()
    browser_login(page, live_server, "owner")
    page.get_by_role("heading", name="Att göra").wait_for()

    # The import: upload, then the job's page while it waits for a worker.
    upload = tmp_path / "maldokument.xlsx"
    upload.write_bytes(workbook_bytes([row(Namn="Britt Bakgrundsson")]).getvalue())
    page.goto(f"{live_server.url}/maldokument/importera/")
    page.get_by_label("Arbetsbok (.xlsx)").set_input_files(str(upload))
    page.get_by_role("button", name="Importera").click()
    page.get_by_role("heading", name="Import av måldokumentet").wait_for()
    assert re.search(r"/jobb/[0-9a-f-]{36}/$", page.url)
    status = page.get_by_role("status").filter(has_text="I kö")
    status.wait_for()
    assert page.locator("progress").count() == 1
    assert serious_violations(page) == []

    run_jobs()

    # The page asks for the status, sees the job done and shows the result.
    page.get_by_text("1 deltagare importerades från måldokumentet.").wait_for(timeout=15_000)
    assert Participant.objects.get().last_name == "Bakgrundsson"
    assert serious_violations(page) == []

    # The export: from the overview to the job's page and its file.
    page.goto(f"{live_server.url}/maldokument/")
    page.get_by_role("button", name="Exportera till Excel").click()
    page.get_by_role("heading", name="Export av måldokumentet").wait_for()
    run_jobs()
    link = page.get_by_role("link", name=re.compile(r"^Ladda ner maldokument-.*\.xlsx$"))
    link.wait_for(timeout=15_000)
    assert page.locator("progress").get_attribute("value") == "100"
    with page.expect_download() as download_info:
        link.click()
    workbook = load_workbook(BytesIO(Path(download_info.value.path()).read_bytes()))
    names = [r[1] for r in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert names == ["Britt Bakgrundsson"]
    assert FileJob.objects.filter(status=FileJob.Status.DONE).count() == 2
    # The user's jobs, newest first.
    page.get_by_role("link", name="Mina bakgrundsjobb").click()
    page.get_by_role("heading", name="Mina bakgrundsjobb").wait_for()
    assert page.get_by_role("link", name="Export av måldokumentet").count() == 1
    assert page.get_by_role("link", name="Import av måldokumentet").count() == 1
