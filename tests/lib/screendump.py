#!/usr/bin/python3
"""tests/lib/screendump.py SOCKET OUT.ppm [--expect hostmem-gradient W H]

Takes a screendump of QEMU's first console over QMP (a `-qmp unix:SOCKET,server=on,wait=off`
socket) into OUT.ppm. With --expect, compares the top-left W x H pixels with the picture
the hostmem guest's blob_scanout case shows (R = 4x, G = 4y, B = 0x80, XRGB8888).

Prints one line; exit status 0 on success, 1 when the screendump failed or the picture
differs, 2 on usage errors.
"""
import json
import os
import socket
import sys


def qmp(sock_path, command, arguments, timeout=20.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    f = s.makefile("rw")

    def reply():
        while True:
            line = f.readline()
            if not line:
                raise RuntimeError("QMP connection closed")
            msg = json.loads(line)
            if "event" in msg:
                continue
            return msg

    greeting = reply()
    if "QMP" not in greeting:
        raise RuntimeError("no QMP greeting: %r" % greeting)
    f.write(json.dumps({"execute": "qmp_capabilities"}) + "\n")
    f.flush()
    reply()
    f.write(json.dumps({"execute": command, "arguments": arguments}) + "\n")
    f.flush()
    r = reply()
    s.close()
    return r


def read_ppm(path):
    with open(path, "rb") as fh:
        data = fh.read()
    # P6\n<w> <h>\n255\n<rgb...>
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1
    if fields[0] != b"P6" or fields[3] != b"255":
        raise RuntimeError("not a P6/255 PPM: %r" % fields)
    return int(fields[1]), int(fields[2]), data[pos:]


def main(argv):
    if len(argv) not in (3, 7) or (len(argv) == 7 and argv[3] != "--expect"):
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    sock, out = argv[1], argv[2]
    try:
        r = qmp(sock, "screendump", {"filename": out, "format": "ppm"})
    except (OSError, RuntimeError, ValueError) as e:
        print("screendump: QMP failed: %s" % e)
        return 1
    if "error" in r:
        print("screendump: QEMU refused: %s" % r["error"].get("desc", r["error"]))
        return 1
    if not os.path.exists(out):
        print("screendump: QEMU returned ok but wrote no file")
        return 1
    w, h, rgb = read_ppm(out)
    if len(argv) == 3:
        print("screendump: %dx%d in %s" % (w, h, out))
        return 0
    if argv[4] != "hostmem-gradient":
        print("screendump: unknown picture %s" % argv[4])
        return 2
    ew, eh = int(argv[5]), int(argv[6])
    if w < ew or h < eh:
        print("screendump: %dx%d, smaller than the %dx%d picture" % (w, h, ew, eh))
        return 1
    bad, first = 0, None
    for y in range(eh):
        for x in range(ew):
            i = (y * w + x) * 3
            got = tuple(rgb[i:i + 3])
            want = ((x * 4) & 0xFF, (y * 4) & 0xFF, 0x80)
            if got != want:
                bad += 1
                if first is None:
                    first = (x, y, got, want)
    if bad:
        x, y, got, want = first
        print("screendump: %d of %d pixels differ, first at (%d,%d): got %02x%02x%02x want %02x%02x%02x"
              % (bad, ew * eh, x, y, got[0], got[1], got[2], want[0], want[1], want[2]))
        return 1
    print("screendump: %dx%d, the %dx%d picture matches" % (w, h, ew, eh))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
