# Shared by the Python helpers of the integration and interop tests
# (poptest.py, imaptest.py, admintest.py; run by the test programs,
# never by the daemon): the exception a failed check raises and the two
# checks, so that a script that uses more than one helper has one
# Failure to catch.


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def expect_eq(got, want, what=""):
    if got != want:
        raise Failure("%s: expected %r, got %r" % (what, want, got))
