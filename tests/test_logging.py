import logging

from rattinsats.logging import MaskPersonnummerFilter, mask_personnummer


def test_it_masks_personnummer_in_every_form():
    for text in ["199001019802", "19900101-9802", "900101-9802", "9001019802", "900101+9802"]:
        assert mask_personnummer(f"x {text} y") == "x [personnummer] y"


def test_it_masks_log_records_and_their_tracebacks():
    record = logging.LogRecord(
        "t", logging.ERROR, __file__, 1, "saknar %s", ("19900101-9802",), None
    )
    try:
        raise ValueError("19900101-9802")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    MaskPersonnummerFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert "9802" not in formatted
    assert "[personnummer]" in formatted
