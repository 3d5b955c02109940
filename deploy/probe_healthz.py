"""The web container's healthcheck: GET /healthz on the local gunicorn the way the TLS proxy would send it.

The image has python but no curl; the standard library keeps this a few milliseconds (no Django start-up).
The Host header is the first of DJANGO_ALLOWED_HOSTS, because production refuses a Host it does not list
(a probe for 127.0.0.1 would get 400 once only the clinic's name is allowed), and X-Forwarded-Proto is
https, because SECURE_PROXY_SSL_HEADER trusts it and the SSL redirect would otherwise answer 301.
Exit status 0 on 200, 1 on anything else (a 503, a refused connection, a timeout).

    python deploy/probe_healthz.py http://127.0.0.1:8000/healthz
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def host_header() -> str:
    allowed = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    first = allowed[0] if allowed else "*"
    if first == "*":
        return "localhost"
    return first.lstrip(".")  # ".example.org" allows example.org itself too


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect is an answer we did not want: report it, do not follow it


def probe(url: str, timeout: float = 5.0) -> tuple[bool, str]:
    request = urllib.request.Request(url, headers={"Host": host_header(), "X-Forwarded-Proto": "https"})  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status == 200, f"{response.status} {response.read(500).decode(errors='replace')}"
    except urllib.error.HTTPError as exc:
        return False, f"{exc.code} {exc.read(500).decode(errors='replace')}"
    except OSError as exc:  # refused, reset, timed out, name not resolved
        return False, f"{exc.__class__.__name__}: {exc}"


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else "http://127.0.0.1:8000/healthz"
    healthy, detail = probe(url)
    print(detail)  # noqa: T201 - docker keeps the last probes' output in `docker inspect`
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
