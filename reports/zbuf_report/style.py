"""What the plots share: status colours and ranking, units, and the rule that fixes every figure's pixel size."""

import struct

import matplotlib

matplotlib.use("Agg")

# Every figure is saved at this resolution without tight bounding boxes, so that its pixel size is exactly
# figsize x DPI (the tests check it from the PNG header).
DPI = 100

# Colours chosen to stay apart for the common colour-vision deficiencies; each cell also carries a letter.
STATUS_COLOURS = {
    "PASS": "#1a9850",
    "FAIL": "#d73027",
    "CRASH": "#4d004b",
    "TIMEOUT": "#fd8d3c",
    "UNRESOLVED": "#c51b7d",
    "SKIP": "#91bfdb",
    "UNSUPPORTED": "#d9d9d9",
}
STATUS_LETTERS = {"PASS": "P", "FAIL": "F", "CRASH": "C", "TIMEOUT": "T", "UNRESOLVED": "R", "SKIP": "S",
                  "UNSUPPORTED": "U"}
STATUS_TEXT_COLOURS = {"PASS": "white", "FAIL": "white", "CRASH": "white", "UNRESOLVED": "white"}

# Worst first. A clause's status is the worst of its variants that ran; SKIP and UNSUPPORTED say that a variant
# did not apply here (a memory kind not claimed, a device absent), so they rank below PASS and a clause shows
# them only when none of its variants ran at all.
STATUS_RANK = ("CRASH", "TIMEOUT", "FAIL", "UNRESOLVED", "PASS", "SKIP", "UNSUPPORTED")
NOT_OK = ("CRASH", "TIMEOUT", "FAIL", "UNRESOLVED")

# Contract order of the areas (conformance/contract/CONTRACT.md) and of the objects within each.
AREAS = ("COPY", "THREAD", "LIFE", "ERR", "SEM")
OBJECTS = ("BUF", "ND", "CONV", "PROTO")


def worst(statuses):
    return min(statuses, key=STATUS_RANK.index)


def clause_sort_key(clause):
    """COPY before THREAD ..., BUF before ND ..., then the number."""
    parts = clause.split("-")
    obj, area = (parts[0], parts[1]) if len(parts) >= 3 else ("", clause)
    num = parts[-1]
    return (AREAS.index(area) if area in AREAS else len(AREAS), area,
            OBJECTS.index(obj) if obj in OBJECTS else len(OBJECTS), obj,
            int(num) if num.isdigit() else 0, clause)


def clause_area(clause):
    parts = clause.split("-")
    return parts[1] if len(parts) >= 3 else "OTHER"


def fmt_rate(bps):
    """Bytes per second as GB/s (10^9), three significant figures."""
    if bps is None:
        return "-"
    gb = bps / 1e9
    return ("%.0f GB/s" if gb >= 1000 else "%.3g GB/s") % gb


def fmt_time(seconds):
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            return "%.3g %s" % (seconds / scale, unit)
    return "-"


def fmt_size(n):
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return "%d%s" % (n // scale, unit)
    return "%dB" % n


def fmt_ratio(x):
    if x is None:
        return "-"
    return "%.2f" % x if x < 10 else "%.0f" % x


def save(fig, path):
    """Writes the figure and closes it; returns (width, height) in pixels as written. They are read back from
    the PNG header (bytes 16-24 of the IHDR chunk), since matplotlib releases round figsize x DPI differently
    (3.6 writes 509 pixels where 3.11 writes 510)."""
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    with open(path, "rb") as f:
        header = f.read(24)
    if header[:8] != b"\x89PNG\r\n\x1a\n" or header[12:16] != b"IHDR":
        raise ValueError(f"{path}: matplotlib did not write a PNG")
    return struct.unpack(">II", header[16:24])
