# Maildir++ trees for the interop tests (run by the test programs, never
# by the daemon): generate one with folders and flags, read one back as
# folder -> Message-ID -> (flags, body digest), compare two, and change
# one the way a local mail reader would (flags by rename, deletions,
# new messages).  The server's Maildir and a client's are read the same
# way, so "identical" means the same messages, bodies and flag letters
# whatever file names and line ends each side chose.
#
# As a program: maildirs.py generate ROOT COUNT SEED [OWNER_UID]
#                maildirs.py compare ROOT1 ROOT2
#                maildirs.py names ROOT  (every message file, sorted)

import hashlib
import os
import random
import re
import sys
import time

FOLDERS = ["INBOX", "Work", "Work.Projects", "Lists", "Lists.postern"]
# The flag letters both sides keep: Draft, Flagged, Replied, Seen and
# Trashed (\Deleted).
FLAGS = "DFRST"
CHOICES = ["", "", "S", "S", "S", "FS", "RS", "F", "DS", "RFS"]
MSGID = re.compile(rb"^Message-ID:\s*<([^>]+)>", re.I | re.M)
_seq = [0]


def folder_dir(root, folder):
    return root if folder == "INBOX" else os.path.join(root, "." + folder)


def make_folder(root, folder, owner=None):
    d = folder_dir(root, folder)
    for sub in ("", "cur", "new", "tmp"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
        if owner is not None:
            os.chown(os.path.join(d, sub), owner, owner)
    if folder != "INBOX":
        p = os.path.join(d, "maildirfolder")
        open(p, "a").close()
        if owner is not None:
            os.chown(p, owner, owner)
    return d


def message(mid, subject, size):
    body = "".join("%s line %d of %s\n" % (subject, i, mid)
                   for i in range(size))
    return ("From: Generator <gen@example.org>\n"
            "To: someone@example.org\n"
            "Subject: %s\n"
            "Date: Mon, 1 Jan 2024 10:00:00 +0000\n"
            "Message-ID: <%s>\n"
            "\n%s" % (subject, mid, body)).encode()


def put(root, folder, data, flags="", new=False, owner=None, when=None):
    """One message file, written in tmp/ and renamed in, as MDAs do."""
    d = folder_dir(root, folder)
    if not os.path.isdir(os.path.join(d, "tmp")):
        make_folder(root, folder, owner)
    _seq[0] += 1
    name = "%d.M%dP%dQ%d.interop" % (int(time.time()), _seq[0],
                                      os.getpid(), _seq[0])
    tmp = os.path.join(d, "tmp", name)
    with open(tmp, "wb") as fh:
        fh.write(data)
    if owner is not None:
        os.chown(tmp, owner, owner)
    if when is not None:
        os.utime(tmp, (when, when))
    if new:
        final = os.path.join(d, "new", name)
    else:
        final = os.path.join(d, "cur", name + ":2," + flags)
    os.rename(tmp, final)
    return final


def generate(root, count, seed, owner=None, folders=FOLDERS, tag="gen"):
    """count messages spread over the folders, with assorted flags; a
    few left in new/.  Returns the Message-IDs."""
    rnd = random.Random(seed)
    ids = []
    for f in folders:
        make_folder(root, f, owner)
    for i in range(count):
        f = folders[i % len(folders)]
        mid = "%s.%d.%d@example.org" % (tag, seed, i)
        data = message(mid, "%s %d" % (tag, i), rnd.randint(1, 40))
        new = rnd.random() < 0.05
        put(root, f, data, rnd.choice(CHOICES), new, owner,
            1704103200 + i * 60)
        ids.append(mid)
    return ids


def digest(data):
    """The message as both sides must keep it: line ends and the
    header a synchronizer may add set aside."""
    data = data.replace(b"\r\n", b"\n")
    data = re.sub(rb"(?im)^X-TUID: [^\n]*\n", b"", data, count=1)
    return hashlib.sha256(data).hexdigest()[:16]


def scan(root):
    """folder -> Message-ID -> (flags, digest), and a list of problems
    (a Message-ID twice in a folder, a message without one)."""
    out = {}
    problems = []
    names = ["INBOX"] + sorted(n[1:] for n in os.listdir(root)
                               if n.startswith(".") and n not in (".", "..")
                               and os.path.isdir(os.path.join(root, n,
                                                              "cur")))
    for f in names:
        d = folder_dir(root, f)
        msgs = {}
        for sub in ("new", "cur"):
            for n in os.listdir(os.path.join(d, sub)):
                with open(os.path.join(d, sub, n), "rb") as fh:
                    data = fh.read()
                m = MSGID.search(data)
                if m is None:
                    problems.append("%s/%s/%s: no Message-ID" % (f, sub, n))
                    continue
                mid = m.group(1).decode()
                info = n.split(":2,", 1)[1] if ":2," in n else ""
                flags = "".join(sorted(c for c in info if c in FLAGS))
                if mid in msgs:
                    problems.append("%s: %s twice" % (f, mid))
                msgs[mid] = (flags, digest(data))
        out[f] = msgs
    return out, problems


def compare(a, b, names=("left", "right")):
    """The differences between two scans, as lines; none when equal."""
    diff = []
    for f in sorted(set(a) | set(b)):
        if f not in a or f not in b:
            diff.append("folder %s only in %s" %
                        (f, names[0] if f in a else names[1]))
            continue
        for mid in sorted(set(a[f]) | set(b[f])):
            x, y = a[f].get(mid), b[f].get(mid)
            if x != y:
                diff.append("%s %s: %s %r, %s %r" % (f, mid, names[0], x,
                                                     names[1], y))
    return diff


def files(root, folder):
    """Message-ID -> path of a folder's messages."""
    d = folder_dir(root, folder)
    r = {}
    for sub in ("new", "cur"):
        for n in os.listdir(os.path.join(d, sub)):
            p = os.path.join(d, sub, n)
            with open(p, "rb") as fh:
                m = MSGID.search(fh.read())
            if m is not None:
                r[m.group(1).decode()] = p
    return r


def set_flags(path, flags):
    """Rename a message to carry exactly these flags (in cur/)."""
    d, n = os.path.split(path)
    base = n.split(":2,", 1)[0]
    new = os.path.join(os.path.dirname(d), "cur",
                       base + ":2," + "".join(sorted(flags)))
    os.rename(path, new)
    return new


def main(argv):
    if len(argv) >= 4 and argv[0] == "generate":
        owner = int(argv[4]) if len(argv) > 4 else None
        generate(argv[1], int(argv[2]), int(argv[3]), owner)
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        a, pa = scan(argv[1])
        b, pb = scan(argv[2])
        diff = pa + pb + compare(a, b, (argv[1], argv[2]))
        for line in diff[:50]:
            print(line)
        n = sum(len(v) for v in a.values())
        print("%d messages in %d folders: %s" %
              (n, len(a), "identical" if not diff else
               "%d differences" % len(diff)))
        return 1 if diff else 0
    if len(argv) == 2 and argv[0] == "names":
        out = []
        for dirpath, dirs, names in os.walk(argv[1]):
            if os.path.basename(dirpath) in ("cur", "new"):
                out += [os.path.relpath(os.path.join(dirpath, n), argv[1])
                        for n in names]
        for n in sorted(out):
            print(n)
        return 0
    print("usage: maildirs.py generate ROOT COUNT SEED [UID] | "
          "compare ROOT1 ROOT2 | names ROOT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
