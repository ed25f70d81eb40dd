"""Helpers for pages whose files are made by background jobs
(rattinsats.file_jobs): post the page's button, follow the job, download."""

from django.http import HttpResponse
from django.urls import reverse

from rattinsats.models import FileJob


def job_of(response) -> FileJob:
    """The job a page's POST started (it redirects to the job's page)."""
    assert response.status_code == 302, response.status_code
    assert response.url.startswith("/jobb/"), response.url
    return FileJob.objects.get(pk=response.url.split("/")[2])


def download_via_job(client, url: str, data: dict | None = None) -> HttpResponse:
    """POST ``url`` as the page's button does, then download the job's file
    from its page (the tests run jobs at once). The streamed download comes
    back read, as a plain response (``.content``) with the same headers."""
    job = job_of(client.post(url, data or {}))
    response = client.get(reverse("file_job_download", args=[job.pk]))
    if not response.streaming:
        return response
    plain = HttpResponse(b"".join(response.streaming_content), status=response.status_code)
    for header, value in response.items():
        plain[header] = value
    return plain
