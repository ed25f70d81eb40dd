import datetime
from io import BytesIO

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from participants.services import participant_share
from rattinsats.models import AuditEvent
from tests.conftest import client_for
from tests.factories import ParticipantFactory
from tests.job_files import download_via_job


def _period():
    today = timezone.localdate()
    return {"start": (today - datetime.timedelta(days=1)).isoformat(), "end": today.isoformat()}


def test_it_lists_reads_and_highlights_unassigned_ones(owner, teammate, administrator, participant):
    owner_client = client_for(owner)
    for _ in range(2):
        owner_client.get(reverse("participants:detail", args=[participant.pk]))
    # A teammate the case was shared with, then read: assigned.
    participant_share(actor=owner, participant=participant, user=teammate)
    client_for(teammate).get(reverse("participants:detail", args=[participant.pk]))
    # A read by someone without assignment, recorded directly.
    other = ParticipantFactory(responsible=teammate)
    AuditEvent.objects.create(
        user=owner,
        action="view",
        object_type="participants.participant",
        object_id=str(other.pk),
        participant_id=other.pk,
    )

    response = client_for(administrator).get(reverse("operations:access_review"), _period())
    assert response.status_code == 200
    rows = response.context["rows"]
    by_key = {(r.user.username, r.participant_id): r for r in rows}
    assert by_key[("owner", participant.pk)].reads == 2
    assert by_key[("owner", participant.pk)].assigned
    assert by_key[("teammate", participant.pk)].assigned
    assert not by_key[("owner", other.pk)].assigned
    assert rows[0].participant_id == other.pk  # unassigned first
    assert 'class="table-warning"' in response.content.decode()
    assert (
        AuditEvent.objects.filter(object_type="operations:access_review", action="view").count()
        == 1
    )


def test_it_exports_excel_and_audits_the_export(owner, administrator, participant):
    client_for(owner).get(reverse("participants:detail", args=[participant.pk]))
    # The page's button starts a background job; its page offers the file.
    response = download_via_job(
        client_for(administrator), reverse("operations:access_review_excel"), _period()
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == ["Per användare", "Per deltagare"]
    detail = list(wb["Per deltagare"].iter_rows(values_only=True))
    assert detail[1][0] == "owner" and detail[1][1] == participant.pk and detail[1][3] == 1
    assert (
        AuditEvent.objects.filter(object_type="operations:access_review", action="export").count()
        == 1
    )


def test_it_is_for_administrators_only(client, owner, steering, counsellor):
    assert client.get(reverse("operations:access_review")).status_code == 302
    for user in (owner, steering, counsellor):
        assert client_for(user).get(reverse("operations:access_review")).status_code == 404
        assert client_for(user).get(reverse("operations:access_review_excel")).status_code == 404


def test_it_refuses_a_reversed_period_in_swedish(administrator):
    response = client_for(administrator).get(
        reverse("operations:access_review"), {"start": "2026-05-01", "end": "2026-04-01"}
    )
    assert response.status_code == 200
    assert "kan inte vara före startdatumet" in response.content.decode()
    assert client_for(administrator).post(reverse("operations:access_review")).status_code == 405


def test_it_keeps_its_query_count_whatever_the_reads(
    owner, administrator, django_assert_num_queries
):
    participants = [ParticipantFactory(responsible=owner) for _ in range(5)]
    client = client_for(owner)
    for p in participants:
        client.get(reverse("participants:detail", args=[p.pk]))
    admin_client = client_for(administrator)
    admin_client.get(reverse("operations:access_review"), _period())
    # session, user, grouped reads, users, participants, granted permissions
    # (the content type is cached), the audit event, notification count and
    # user's organisation (header, one query), user list for the form.
    # Administrators have no task count. The session is renewed at most once
    # a minute, not written by every page.
    with django_assert_num_queries(9):
        admin_client.get(reverse("operations:access_review"), _period())
    for p in [ParticipantFactory(responsible=owner) for _ in range(5)]:
        client.get(reverse("participants:detail", args=[p.pk]))
    with django_assert_num_queries(9):
        admin_client.get(reverse("operations:access_review"), _period())
