"""What the closure tells the apps above it, without knowing them.

``participation_closed`` is sent inside the closing transaction, with
``closure`` and ``participant``; a receiver that writes (a notification,
say) is rolled back with the closure. The referral app listens to tell the
referring counsellor.
"""

from django.dispatch import Signal

participation_closed = Signal()
