"""The Avslut tab and its forms."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import Flag
from closure import services
from closure.models import (
    Closure,
    EmploymentStatus,
    FollowUp,
    IncomeSource,
    LabourMarketTraining,
    OtherClosureReason,
    StatusSnapshot,
    SummaryDocument,
)
from participants.models import ClosureReason, ClosureResult, Participant, Task
from participants.periods import add_months
from rattinsats.models import AuditEvent
from tests.conftest import client_for
from tests.factories import ConsentFactory, organisation

pytestmark = pytest.mark.django_db

# session, user, the user's permissions on the participant (user and group
# object permissions in one query, used again for the change-permission
# check), the participant, its VIEW event; closures, their missing flags,
# their sent flags with organisations; status snapshots; summary versions;
# consents and their organisations (header); trainings; header counts of
# tasks and notifications and the user's organisation (one query). The
# session is renewed at most once a minute, not written by every page.
TAB_QUERIES = 14


def closure_data(**changes):
    data = {
        "avslut-closed_on": timezone.localdate().isoformat(),
        "avslut-reason": ClosureReason.WORK,
        "avslut-result": ClosureResult.JOB_WITHOUT_SUPPORT,
        "avslut-other_reason": "",
        "avslut-note": "",
        "avslut-employment_status": EmploymentStatus.PAID_WORK,
        "avslut-income_source": IncomeSource.SALARY,
    }
    data.update({f"avslut-{k}": v for k, v in changes.items()})
    return data


def close(participant, **kwargs):
    data = {
        "closed_on": timezone.localdate() - datetime.timedelta(days=31),
        "reason": ClosureReason.WORK,
        "result": ClosureResult.LONEBIDRAG,
        "employment_status": EmploymentStatus.SUBSIDISED_WORK,
        "income_source": IncomeSource.SALARY,
        **kwargs,
    }
    return services.participant_close(
        actor=participant.responsible, participant=participant, **data
    )


def post_urls(participant):
    return [
        reverse("closure:close", args=[participant.pk]),
        reverse("closure:reopen", args=[participant.pk]),
        reverse(
            "closure:flag_send",
            args=[participant.pk, organisation("arbetsformedlingen").pk],
        ),
        reverse("closure:follow_up", args=[participant.pk]),
        reverse("closure:status_at_start", args=[participant.pk]),
        reverse("closure:training_record", args=[participant.pk]),
        reverse("closure:summary", args=[participant.pk]),
    ]


def test_it_redirects_anonymous_users_to_login(client, participant):
    urls = [
        reverse("closure:tab", args=[participant.pk]),
        reverse("closure:summary_download", args=[participant.pk, 1]),
        *post_urls(participant),
    ]
    for url in urls:
        response = client.post(url) if url in post_urls(participant) else client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


@pytest.mark.parametrize("role", ["teammate", "counsellor", "steering", "administrator", "officer"])
def test_it_answers_404_to_users_without_rights(request, role, owner, participant):
    ConsentFactory(participant=participant)
    close(participant)
    document = services.summary_finalise(actor=owner, participant=participant, text="Text")
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("closure:tab", args=[participant.pk])).status_code == 404
    download = reverse("closure:summary_download", args=[participant.pk, document.version])
    assert client.get(download).status_code == 404
    for url in post_urls(participant):
        assert client.post(url, closure_data()).status_code == 404, url
    participant.refresh_from_db()
    assert participant.status == Participant.Status.CLOSED
    assert Closure.objects.get().reopened_at is None
    assert SummaryDocument.objects.count() == 1
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, user__username=role
    ).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).exists()


def test_it_answers_405_to_wrong_methods(owner_client, participant):
    tab = reverse("closure:tab", args=[participant.pk])
    assert owner_client.post(tab).status_code == 405
    assert owner_client.delete(tab).status_code == 405
    for url in post_urls(participant):
        assert owner_client.get(url).status_code == 405, url
    download = reverse("closure:summary_download", args=[participant.pk, 1])
    assert owner_client.post(download).status_code == 405


def test_it_shows_the_closure_form_to_the_responsible(owner_client, participant):
    html = owner_client.get(reverse("closure:tab", args=[participant.pk])).content.decode()
    assert "Avsluta deltagandet" in html
    assert 'aria-current="page">Avslut</a>' in html
    assert "Registrera status vid start" in html
    assert "Arbetsmarknadsutbildning via Arbetsförmedlingen" in html


def test_it_closes_because_of_work_through_the_form(owner_client, participant, owner):
    ConsentFactory(participant=participant)
    closed_on = timezone.localdate() - datetime.timedelta(days=3)
    response = owner_client.post(
        reverse("closure:close", args=[participant.pk]),
        closure_data(closed_on=closed_on.isoformat()),
    )
    assert response.status_code == 302
    assert response.url == reverse("closure:tab", args=[participant.pk])
    participant.refresh_from_db()
    assert participant.status == Participant.Status.CLOSED
    assert participant.closure_result == ClosureResult.JOB_WITHOUT_SUPPORT
    assert Flag.objects.filter(kind=Flag.Kind.CLOSURE).count() == 3
    task = Task.objects.get(kind=Task.Kind.FOLLOW_UP)
    assert task.due_on == add_months(closed_on, 1)

    html = owner_client.get(response.url).content.decode()
    assert "Deltagandet är avslutat." in html
    assert f"Avslutad {closed_on.isoformat()}" in html
    assert f"Uppföljningen ska göras senast {task.due_on.isoformat()}" in html
    assert "Registrera uppföljningen" in html
    assert "Ångra avslutet" in html


def test_it_warns_about_flags_it_could_not_send(owner_client, participant):
    ConsentFactory(participant=participant, organisations=[organisation("jobbcentrum")])
    response = owner_client.post(
        reverse("closure:close", args=[participant.pk]),
        closure_data(
            reason=ClosureReason.OTHER,
            result="",
            other_reason=OtherClosureReason.NO_MOVE,
        ),
        follow=True,
    )
    html = response.content.decode()
    af, eb = organisation("arbetsformedlingen"), organisation("ekonomiskt_bistand")
    assert f"Avslutet kunde inte flaggas till {af.name}, {eb.name} eftersom" in html
    assert "Skicka flaggan" in html
    assert not Task.objects.filter(kind=Task.Kind.FOLLOW_UP).exists()


def test_it_sends_a_missing_flag_from_the_page(owner_client, participant):
    close(participant)
    af = organisation("arbetsformedlingen")
    url = reverse("closure:flag_send", args=[participant.pk, af.pk])
    html = owner_client.post(url, follow=True).content.decode()
    assert "det finns inget giltigt samtycke" in html
    ConsentFactory(participant=participant, organisations=[af])
    html = owner_client.post(url, follow=True).content.decode()
    assert f"Avslutet är flaggat till {af.name}." in html
    assert Flag.objects.filter(organisation=af, kind=Flag.Kind.CLOSURE).count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"closed_on": "2000-01-01"}, "Avslutsdatumet kan inte vara före startdatumet"),
        ({"closed_on": "2999-01-01"}, "Avslutsdatumet kan inte ligga i framtiden."),
        ({"closed_on": "igår"}, "Ange ett datum."),
        (
            {"reason": ClosureReason.STUDIES, "result": ClosureResult.NYSTARTSJOBB},
            "Resultatet Nystartsjobb passar inte avslutsorsaken Studier.",
        ),
        ({"reason": ""}, "Välj avslutsorsak."),
        ({"income_source": ""}, "Välj huvudsaklig försörjning."),
    ],
)
def test_it_refuses_a_bad_closure_in_swedish_and_keeps_the_input(
    owner_client, participant, changes, message
):
    data = closure_data(note="Mitt skäl", **changes)
    response = owner_client.post(reverse("closure:close", args=[participant.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Mitt skäl" in html
    participant.refresh_from_db()
    assert participant.status == Participant.Status.ACTIVE
    assert not Closure.objects.exists()
    assert not Flag.objects.exists()


def test_it_refuses_to_close_an_already_closed_participation(owner_client, participant):
    close(participant)
    response = owner_client.post(reverse("closure:close", args=[participant.pk]), closure_data())
    assert response.status_code == 200
    assert "Deltagandet är redan avslutat." in response.content.decode()
    assert Closure.objects.count() == 1


def test_it_records_the_follow_up_through_the_form(owner_client, participant):
    closure = close(participant)
    latest = add_months(closure.closed_on, 3)
    url = reverse("closure:follow_up", args=[participant.pk])
    data = {
        "uppfoljning-followed_up_on": timezone.localdate().isoformat(),
        "uppfoljning-reached": "ja",
        "uppfoljning-self_supporting": "ja",
        "uppfoljning-working": "nej",
        "uppfoljning-extended_support": "on",
        "uppfoljning-extended_support_until": (latest + datetime.timedelta(days=1)).isoformat(),
        "uppfoljning-note": "Stöd vid introduktionen",
    }
    response = owner_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"alltså till och med {latest.isoformat()}" in html
    assert "Stöd vid introduktionen" in html
    assert not FollowUp.objects.exists()

    data["uppfoljning-extended_support_until"] = latest.isoformat()
    response = owner_client.post(url, data, follow=True)
    html = response.content.decode()
    assert "Uppföljningen är registrerad." in html
    follow_up = FollowUp.objects.get()
    assert (follow_up.self_supporting, follow_up.working) == (True, False)
    assert Task.objects.get(kind=Task.Kind.FOLLOW_UP).done_at is not None
    assert f"Ja, till och med {latest.isoformat()}" in html


def test_it_refuses_a_follow_up_before_two_weeks_after_the_closure_in_swedish(
    owner_client, participant
):
    closure = close(participant)
    earliest = (closure.closed_on + datetime.timedelta(days=14)).isoformat()
    tab = owner_client.get(reverse("closure:tab", args=[participant.pk])).content.decode()
    assert f"Uppföljningen kan registreras tidigast {earliest}." in tab
    response = owner_client.post(
        reverse("closure:follow_up", args=[participant.pk]),
        {
            "uppfoljning-followed_up_on": (closure.closed_on + datetime.timedelta(days=13)),
            "uppfoljning-reached": "nej",
        },
    )
    assert response.status_code == 200
    assert (
        "Uppföljningen görs en månad efter avslutet och kan registreras tidigast "
        f"{earliest}, två veckor efter avslutet."
    ) in response.content.decode()
    assert not FollowUp.objects.exists()


def test_it_reopens_through_the_form(owner_client, participant):
    close(participant)
    url = reverse("closure:reopen", args=[participant.pk])
    response = owner_client.post(url, {"angra-reason": ""})
    assert response.status_code == 200
    assert "Ange varför avslutet ångras." in response.content.decode()
    response = owner_client.post(url, {"angra-reason": "Registrerat på fel person"}, follow=True)
    html = response.content.decode()
    assert "Avslutet är ångrat. Deltagandet är aktivt igen." in html
    assert "Registrerat på fel person" in html  # in the history
    assert "Avsluta deltagandet" in html
    participant.refresh_from_db()
    assert participant.is_active


def test_it_records_the_status_at_start_and_a_training(owner_client, participant):
    response = owner_client.post(
        reverse("closure:status_at_start", args=[participant.pk]),
        {"start-employment_status": "seeking_work", "start-income_source": "ekonomiskt_bistand"},
        follow=True,
    )
    assert "Status vid start är sparad." in response.content.decode()
    assert StatusSnapshot.objects.get().employment_status == EmploymentStatus.SEEKING_WORK

    response = owner_client.post(
        reverse("closure:training_record", args=[participant.pk]),
        {"utbildning-starts_on": "2000-01-01"},
    )
    assert response.status_code == 200
    assert "Utbildningen kan inte börja före deltagandets start." in response.content.decode()
    response = owner_client.post(
        reverse("closure:training_record", args=[participant.pk]),
        {"utbildning-starts_on": timezone.localdate().isoformat(), "utbildning-note": "Svets"},
        follow=True,
    )
    assert "Deltagandet fortsätter." in response.content.decode()
    assert LabourMarketTraining.objects.get().note == "Svets"
    participant.refresh_from_db()
    assert participant.is_active


def test_it_finalises_previews_and_downloads_the_summary(owner_client, participant, owner):
    close(participant)
    url = reverse("closure:summary", args=[participant.pk])
    response = owner_client.post(url, {"action": "finalise", "sammanfattning-text": ""})
    assert response.status_code == 200
    assert "Skriv en sammanfattning." in response.content.decode()

    preview = owner_client.post(url, {"action": "preview", "sammanfattning-text": "Utkast"})
    assert preview["Content-Type"] == "application/pdf"
    assert preview["Content-Disposition"].startswith("inline;")
    assert not SummaryDocument.objects.exists()

    response = owner_client.post(
        url, {"action": "finalise", "sammanfattning-text": "Klar sammanfattning."}, follow=True
    )
    html = response.content.decode()
    assert "Version 1 av den sammanfattande dokumentationen är sparad." in html
    assert "Ladda ner version 1 (PDF)" in html
    assert "Klar sammanfattning." in html  # the next correction starts from it

    download = owner_client.get(reverse("closure:summary_download", args=[participant.pk, 1]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (
        f'attachment; filename="sammanfattning-{participant.pk}-version-1.pdf"'
    )
    assert "no-store" in download["Cache-Control"]
    assert download.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, user=owner, object_type="closure.summarydocument"
    ).exists()
    missing = reverse("closure:summary_download", args=[participant.pk, 2])
    assert owner_client.get(missing).status_code == 404


def test_it_shows_the_tab_read_only_to_a_colleague_who_may_only_view(participant, teammate):
    from guardian.shortcuts import assign_perm

    assign_perm("participants.view_participant", teammate, participant)
    client = client_for(teammate)
    html = client.get(reverse("closure:tab", args=[participant.pk])).content.decode()
    assert "Avsluta deltagandet</button>" not in html
    response = client.post(reverse("closure:close", args=[participant.pk]), closure_data())
    assert response.status_code == 403
    participant.refresh_from_db()
    assert participant.is_active


def _fill_history(participant, owner, rounds):
    for _ in range(rounds):
        ConsentFactory(participant=participant, organisations=[organisation("jobbcentrum")])
        close(participant)
        services.summary_finalise(actor=owner, participant=participant, text="Text")
        services.closure_reopen(actor=owner, participant=participant, reason="Fel")
        services.labour_market_training_record(
            actor=owner, participant=participant, starts_on=timezone.localdate()
        )
    close(participant)
    services.follow_up_record(
        actor=owner,
        closure=Closure.objects.get(participant=participant, reopened_at__isnull=True),
        followed_up_on=timezone.localdate(),
        reached=True,
        self_supporting=True,
        working=True,
    )


@pytest.mark.parametrize("rounds", [1, 6])
def test_it_keeps_the_query_count_when_the_history_grows(
    owner, participant, rounds, django_assert_num_queries
):
    _fill_history(participant, owner, rounds)
    client = client_for(owner)
    url = reverse("closure:tab", args=[participant.pk])
    client.get(url)  # warm the session
    with django_assert_num_queries(TAB_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("Ladda ner version") == rounds
