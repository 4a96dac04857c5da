"""Where webhooks may be sent: public http(s) destinations only, unless an operator allows more.

A ``callback_url`` is checked twice. At submission (``check_callback``): the scheme, no
credentials in the URL, a host name that is not local (``localhost``, ``*.internal``, a single
label...), an IP literal in any spelling (``2130706433``, ``0x7f.1``, ``[::ffff:127.0.0.1]``) that
is public, and the addresses its name resolves to now. At send time (``PinnedTransport``): the
name is resolved again, *every* address must be public, and the connection goes to the address
that was checked (the TLS name and the ``Host`` header stay the original), so a DNS answer that
changes between the check and the connection (DNS rebinding) cannot aim a webhook inside.

``SUMMARISER_WEBHOOK_ALLOW_HOSTS`` lists host names and networks (CIDR) a newsroom really uses
internally; a listed name may resolve anywhere, an address inside a listed network is allowed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

from service.jobs.errors import CallbackForbiddenError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Names that are never public, whatever DNS says: loopback, mDNS, private-use and cloud metadata.
_LOCAL_NAMES = frozenset(
    {"localhost", "localhost.localdomain", "metadata", "metadata.google.internal"}
)
_LOCAL_SUFFIXES = (
    ".localhost",
    ".local",
    ".localdomain",
    ".internal",
    ".intranet",
    ".lan",
    ".home.arpa",
    ".corp",
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
SUBMISSION_DNS_TIMEOUT_S = 3.0


def parse_ip(host: str) -> IPAddress | None:
    """The address a host string denotes, in any spelling a resolver would accept, or None.

    Besides dotted quads and IPv6, IPv4 may be written as one number (``2130706433``), with
    fewer parts (``127.1``), or in octal/hex parts (``0177.0.0.1``, ``0x7f.1``): ``inet_aton``
    reads them as the C library (and so ``getaddrinfo``) does.
    """
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _embedded_v4(ip: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped, NAT64, 6to4 or Teredo IPv6 address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
    return ip


@dataclass(frozen=True)
class Destination:
    """A checked callback URL: where to connect and what to call it."""

    url: httpx.URL
    host: str  # lower-case ASCII (IDNA), no trailing dot
    port: int
    ip: IPAddress | None  # an IP literal, or None for a name
    allowed_by_name: bool


@dataclass(frozen=True)
class EgressPolicy:
    """Public destinations, plus the allow-listed names and networks."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> EgressPolicy:
        """Build from ``SUMMARISER_WEBHOOK_ALLOW_HOSTS`` entries: names, addresses or CIDRs."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry)
        return cls(frozenset(hosts), tuple(networks))

    def address_allowed(self, ip: IPAddress) -> bool:
        """Allow-listed, or a globally routable unicast address (after unwrapping IPv4)."""
        if any(ip in net for net in self.networks):
            return True
        inner = _embedded_v4(ip)
        if inner != ip and any(inner in net for net in self.networks):
            return True
        return all(
            a.is_global and not (a.is_multicast or a.is_reserved or a.is_unspecified)
            for a in {ip, inner}
        )

    def check_url(self, url: str) -> Destination:
        """The checks that need no DNS: scheme, credentials, host name or IP literal.

        Raises:
            CallbackForbiddenError: the URL may not receive webhooks.
        """
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError) as exc:
            raise _forbidden(url, "it is not a valid URL") from exc
        if parsed.scheme not in ("http", "https"):
            raise _forbidden(url, "only http and https URLs receive webhooks")
        if parsed.userinfo:
            raise _forbidden(url, "credentials in the URL are not allowed (user:password@)")
        host = parsed.raw_host.decode("ascii", "replace").lower().rstrip(".")
        if not host:
            raise _forbidden(url, "it has no host")
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        if host in self.hosts:
            return Destination(parsed, host, port, parse_ip(host), allowed_by_name=True)
        ip = parse_ip(host)
        if ip is not None:
            if not self.address_allowed(ip):
                raise _forbidden(url, f"{ip} is not a public address")
            return Destination(parsed, host, port, ip, allowed_by_name=False)
        if host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES) or "." not in host:
            raise _forbidden(url, f"{host!r} is a local name")
        return Destination(parsed, host, port, None, allowed_by_name=False)

    async def resolve(self, dest: Destination) -> list[IPAddress]:
        """Every address the destination resolves to, each one checked.

        Raises:
            CallbackForbiddenError: an address is not allowed.
            OSError: the name does not resolve (``socket.gaierror``).
        """
        if dest.ip is not None:
            return [dest.ip]
        infos = await asyncio.get_running_loop().getaddrinfo(
            dest.host, dest.port, type=socket.SOCK_STREAM
        )
        addresses: list[IPAddress] = []
        for *_, sockaddr in infos:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if ip not in addresses:
                addresses.append(ip)
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, f"{dest.host} has no address")
        if not dest.allowed_by_name:
            for ip in addresses:
                if not self.address_allowed(ip):
                    raise _forbidden(str(dest.url), f"{dest.host} resolves to {ip}, not public")
        return addresses


def _forbidden(url: str, why: str) -> CallbackForbiddenError:
    return CallbackForbiddenError(
        f"callback_url is not allowed: {why}. Webhooks go to public http(s) hosts only; an "
        "operator can allow internal hosts with SUMMARISER_WEBHOOK_ALLOW_HOSTS.",
        reason=why,
    )


async def check_callback(policy: EgressPolicy, url: str) -> None:
    """The submission-time check of a ``callback_url``.

    A name that does not resolve now is accepted (the check is repeated at send time, when a
    delivery to it fails); one that resolves to an address that is not allowed is refused.

    Raises:
        CallbackForbiddenError: the URL may not receive webhooks.
    """
    dest = policy.check_url(url)
    try:
        async with asyncio.timeout(SUBMISSION_DNS_TIMEOUT_S):
            await policy.resolve(dest)
    except (OSError, TimeoutError):
        return


class DestinationForbidden(httpx.TransportError):
    """The send-time check refused the destination; nothing was connected to."""


class PinnedTransport(httpx.AsyncBaseTransport):
    """Checks each request's destination and connects to the address it checked.

    The request URL's host is replaced by the checked address; the ``Host`` header keeps the
    name and, for https, the TLS server name (SNI and certificate check) is the name too.
    """

    def __init__(
        self,
        policy: Callable[[], EgressPolicy],
        inner: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.policy = policy  # read per request: the allow-list setting may change
        self.inner = inner or httpx.AsyncHTTPTransport(retries=0)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        policy = self.policy()
        try:
            dest = policy.check_url(str(request.url))
            addresses = await policy.resolve(dest)
        except CallbackForbiddenError as exc:
            raise DestinationForbidden(str(exc.details.get("reason")), request=request) from exc
        except OSError as exc:
            raise httpx.ConnectError("the host name does not resolve", request=request) from exc
        request.url = request.url.copy_with(host=str(addresses[0]))
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": dest.host}
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
