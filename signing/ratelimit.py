"""The public signing page's rate limits, counted in the database.

Several app servers run behind the load balancer, so a count in one
process's memory would let a client through as many times as there are
servers: each request adds one to a row for (key, time window) with an
``UPDATE … SET count = count + 1``, which the database serialises. A key is
a keyed hash (HMAC-SHA-256 with ``DJANGO_SECRET_KEY``) of what it counts (an
IP address, a link), so the table holds no address. Expired rows are
deleted as new ones are written.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import RateLimitBucket


def rate_key(kind: str, value: str) -> str:
    message = f"{kind}:{value}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def rate_limit_hit(kind: str, value: str, *, limit: int, window_seconds: int) -> bool:
    """Count one request of ``value`` (e.g. an IP address) under ``kind``;
    True while the requests in the current window are within ``limit``."""
    if limit <= 0:
        return True
    now = timezone.now()
    window = int(now.timestamp()) // window_seconds
    key = rate_key(kind, value)
    expires = datetime.datetime.fromtimestamp((window + 1) * window_seconds, tz=datetime.UTC)
    with transaction.atomic():
        updated = RateLimitBucket.objects.filter(key=key, window=window).update(
            count=F("count") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    RateLimitBucket.objects.create(
                        key=key, window=window, count=1, expires_at=expires
                    )
            except IntegrityError:
                # Another server created the row at the same moment.
                RateLimitBucket.objects.filter(key=key, window=window).update(count=F("count") + 1)
            RateLimitBucket.objects.filter(expires_at__lt=now).delete()
        count = (
            RateLimitBucket.objects.filter(key=key, window=window)
            .values_list("count", flat=True)
            .first()
        )
    return (count or 0) <= limit
