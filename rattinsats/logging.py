"""Logging filter that keeps personal identity numbers out of log output."""

import logging
import re

# Anything that looks like a personnummer or samordningsnummer, 10 or 12
# digits, with or without separator. Over-masking a harmless number in a log
# line is the right trade.
PERSONNUMMER_LIKE = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+ ]?\d{4}(?!\d)")
MASK = "[personnummer]"


def mask_personnummer(text: str) -> str:
    return PERSONNUMMER_LIKE.sub(MASK, text)


class MaskPersonnummerFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personnummer(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks may quote values: the formatter uses this cached,
            # masked text instead of formatting the exception again.
            record.exc_text = mask_personnummer(
                logging.Formatter().formatException(record.exc_info)
            )
        return True
