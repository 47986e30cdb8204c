"""Screendumps against ffmpeg's decode: helpers for the VM tests."""
import subprocess


def rgb(png):
    """The PNG's pixels as packed RGB24 bytes (None when there is no file)."""
    try:
        return subprocess.run(["convert", png, "-depth", "8", "rgb:-"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, check=True).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None


def px(img, x, y, w):
    o = (y * w + x) * 3
    return tuple(img[o:o + 3])


def expected(ffmpeg, path, w, h):
    """ffmpeg's first frame of PATH scaled to WxH, RGB24."""
    return subprocess.run([ffmpeg, "-v", "error", "-i", path, "-frames:v", "1", "-vf", f"scale={w}:{h}",
                           "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], stdout=subprocess.PIPE, check=True).stdout


def matches(img, exp, pic, screen_w):
    """The share of a 24x16 grid of points inside PIC=(x0, y0, w, h) of the
    screen whose colour is within 24 of ffmpeg's at that point."""
    x0, y0, w, h = pic
    good = total = 0
    for gy in range(16):
        for gx in range(24):
            x, y = int((gx + 0.5) * w / 24), int((gy + 0.5) * h / 16)
            a, b = px(img, x0 + x, y0 + y, screen_w), px(exp, x, y, w)
            total += 1
            good += max(abs(a[i] - b[i]) for i in range(3)) <= 24
    return good / total
