"""A small sixel decoder (enough for qv's, mpv's and libsixel's output) and
PSNR, for the bench's quality comparison."""
import math


def decode(data):
    """Decodes the first complete sixel image in data (bytes): (w, h, rgb bytearray)."""
    s = data.decode("latin-1")
    start = s.find("\x1bP")
    q = s.find("q", start)
    end = s.find("\x1b\\", q)
    body = s[q + 1:end]
    pal = {}
    pixels = {}
    x = y = 0
    color = 0
    w = h = 0
    i = 0
    n = len(body)
    # raster attributes "Pan;Pad;Ph;Pv
    if body.startswith('"'):
        j = i + 1
        while j < n and (body[j].isdigit() or body[j] == ';'):
            j += 1
        parts = body[1:j].split(";")
        if len(parts) >= 4:
            w, h = int(parts[2]), int(parts[3])
        i = j
    while i < n:
        c = body[i]
        if c == "#":
            j = i + 1
            while j < n and (body[j].isdigit() or body[j] == ';'):
                j += 1
            parts = [int(p) for p in body[i + 1:j].split(";") if p != ""]
            if len(parts) >= 5 and parts[1] == 2:
                pal[parts[0]] = tuple(round(v * 255 / 100) for v in parts[2:5])
            color = parts[0] if parts else 0
            i = j
            continue
        if c == "!":
            j = i + 1
            while j < n and body[j].isdigit():
                j += 1
            count = int(body[i + 1:j])
            ch = body[j]
            bits = ord(ch) - 63
            for _ in range(count):
                if bits:
                    for b in range(6):
                        if bits >> b & 1:
                            pixels[(x, y + b)] = color
                x += 1
            i = j + 1
            continue
        if c == "$":
            x = 0
        elif c == "-":
            x = 0
            y += 6
        elif "?" <= c <= "~":
            bits = ord(c) - 63
            if bits:
                for b in range(6):
                    if bits >> b & 1:
                        pixels[(x, y + b)] = color
            x += 1
        i += 1
    if not w:
        w = max(p[0] for p in pixels) + 1
        h = max(p[1] for p in pixels) + 1
    rgb = bytearray(w * h * 3)
    for (px, py), ci in pixels.items():
        if px < w and py < h:
            o = (py * w + px) * 3
            rgb[o:o + 3] = bytes(pal.get(ci, (0, 0, 0)))
    return w, h, rgb


def psnr(a, b):
    n = min(len(a), len(b))
    se = sum((a[i] - b[i]) ** 2 for i in range(0, n, 7))   # every 7th sample: plenty, and fast
    mse = se / max(1, len(range(0, n, 7)))
    return 99.0 if mse == 0 else 10 * math.log10(255 * 255 / mse)
