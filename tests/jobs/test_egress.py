"""The webhook egress policy (service/jobs/egress.py): which callback URLs and addresses are
allowed, in every spelling, with DNS answers faked per test (no network is used)."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from service.jobs.egress import EgressPolicy, check_callback, parse_ip
from service.jobs.errors import CallbackForbiddenError

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"


def fake_dns(monkeypatch: pytest.MonkeyPatch, table: dict[str, list[str]]) -> list[str]:
    """``socket.getaddrinfo`` answering from ``table`` (unknown names do not resolve)."""
    asked: list[str] = []

    def getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list[object]:
        asked.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        out: list[object] = []
        for addr in table[host]:
            family = socket.AF_INET6 if ":" in addr else socket.AF_INET
            sockaddr = (addr, port, 0, 0) if family == socket.AF_INET6 else (addr, port)
            out.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
        return out

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),  # one decimal number
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),  # octal parts
        ("127.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("[::1]", "::1"),
        ("::ffff:7f00:1", "::ffff:7f00:1"),
        ("cafe.be", None),  # a name made of hex digits is still a name
        ("news.example.org", None),
    ],
)
def test_ip_literals_in_every_spelling(spelling: str, address: str | None) -> None:
    parsed = parse_ip(spelling)
    assert (str(parsed) if parsed else None) == address


FORBIDDEN = [
    "http://127.0.0.1:9/h",
    "http://localhost/h",
    "http://LOCALHOST./h",
    "http://api.localhost/h",
    "http://0.0.0.0/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
    "http://[2002:a00:1::]/",  # 6to4 of 10.0.0.1
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.10/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://224.0.0.1/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://metadata/",
    "http://cms.corp.internal/hook",
    "http://printer.local/",
    "http://nohost/",  # what http:///nohost becomes; single labels resolve through search domains
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0177.0.0.1/",
    "http://user:pw@news.example.org/hook",
    "http://token@news.example.org/hook",
    "ftp://news.example.org/hook",
    "http:///nohost",
]


@pytest.mark.parametrize("url", FORBIDDEN)
def test_forbidden_without_dns(url: str) -> None:
    with pytest.raises(CallbackForbiddenError) as info:
        EgressPolicy().check_url(url)
    assert info.value.code == "callback_url_forbidden"
    assert "SUMMARISER_WEBHOOK_ALLOW_HOSTS" in info.value.message


@pytest.mark.parametrize(
    "url",
    [
        f"http://{PUBLIC_V4}/hook",
        f"https://[{PUBLIC_V6}]:8443/hook",
        "https://cms.example.org/hooks/summaries",
        "http://hooks.newsroom.test:8080/h?x=1",
    ],
)
def test_public_destinations_pass_the_static_check(url: str) -> None:
    EgressPolicy().check_url(url)


RESOLVES_TO = {
    "loopback.newsroom.test": ["127.0.0.1"],
    "loopback6.newsroom.test": ["::1"],
    "private.newsroom.test": ["10.1.2.3"],
    "metadata.newsroom.test": ["169.254.169.254"],
    "mapped.newsroom.test": ["::ffff:192.168.0.1"],
    "zero.newsroom.test": ["0.0.0.0"],
    "mixed.newsroom.test": [PUBLIC_V4, "10.0.0.5"],  # one bad answer is enough to refuse
    "public.newsroom.test": [PUBLIC_V4, PUBLIC_V6],
}


@pytest.mark.parametrize("host", [h for h in RESOLVES_TO if not h.startswith("public")])
async def test_names_resolving_inside_are_refused(
    monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    fake_dns(monkeypatch, RESOLVES_TO)
    with pytest.raises(CallbackForbiddenError) as info:
        await check_callback(EgressPolicy(), f"https://{host}/hook")
    assert host in info.value.message


async def test_public_names_are_accepted_with_every_address_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = fake_dns(monkeypatch, RESOLVES_TO)
    policy = EgressPolicy()
    await check_callback(policy, "https://public.newsroom.test/hook")
    dest = policy.check_url("https://public.newsroom.test/hook")
    assert [str(a) for a in await policy.resolve(dest)] == [PUBLIC_V4, PUBLIC_V6]
    assert asked == ["public.newsroom.test", "public.newsroom.test"]


async def test_unresolvable_names_are_accepted_at_submission(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_dns(monkeypatch, {})
    await check_callback(EgressPolicy(), "https://not-yet.newsroom.test/hook")  # send time decides


@pytest.mark.parametrize(
    ("entries", "url", "allowed"),
    [
        (["cms.newsroom.internal"], "https://cms.newsroom.internal/hook", True),
        (["CMS.Newsroom.Internal."], "https://cms.newsroom.internal/hook", True),
        (["cms.newsroom.internal"], "https://other.newsroom.internal/hook", False),
        (["10.20.0.0/16"], "http://10.20.3.4/hook", True),
        (["10.20.0.0/16"], "http://10.21.0.1/hook", False),
        (["10.20.0.0/16"], "http://private20.newsroom.test/hook", True),
        (["127.0.0.1"], "http://127.0.0.1:8080/hook", True),
        (["127.0.0.1"], "http://2130706433:8080/hook", True),
        (["127.0.0.1"], "http://127.0.0.2/hook", False),
        (["::1"], "http://[::1]/hook", True),
        (["localhost"], "http://localhost:9000/hook", True),
    ],
)
async def test_allow_list_names_and_networks(
    monkeypatch: pytest.MonkeyPatch, entries: list[str], url: str, allowed: bool
) -> None:
    fake_dns(
        monkeypatch,
        {
            "cms.newsroom.internal": ["10.9.9.9"],
            "private20.newsroom.test": ["10.20.0.7"],
            "localhost": ["127.0.0.1"],
        },
    )
    policy = EgressPolicy.from_entries(entries)
    if allowed:
        await check_callback(policy, url)
    else:
        with pytest.raises(CallbackForbiddenError):
            await check_callback(policy, url)


def test_allow_list_never_makes_credentials_or_other_schemes_acceptable() -> None:
    policy = EgressPolicy.from_entries(["cms.newsroom.internal", "0.0.0.0/0"])
    for url in ("https://u:p@cms.newsroom.internal/h", "gopher://cms.newsroom.internal/"):
        with pytest.raises(CallbackForbiddenError):
            policy.check_url(url)
    assert policy.address_allowed(ipaddress.ip_address("10.0.0.1"))
