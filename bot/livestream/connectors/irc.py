"""IRC lines with IRCv3 message tags, as Twitch chat sends them (one parser, no client library).

    @badge-info=;display-name=Alice;id=b34c...;user-id=12345 :alice!alice@alice.tmi.twitch.tv PRIVMSG #chan :hi

Tag values are unescaped per IRCv3 (\\: -> ;  \\s -> space  \\\\ -> \\  \\r, \\n; a lone trailing backslash
is dropped; any other escaped character stands for itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field

_ESCAPES = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}


def unescape_tag(value: str) -> str:
    out: list[str] = []
    chars = iter(value)
    for c in chars:
        if c != "\\":
            out.append(c)
            continue
        nxt = next(chars, None)
        if nxt is not None:
            out.append(_ESCAPES.get(nxt, nxt))
    return "".join(out)


def escape_tag(value: str) -> str:
    """The inverse, for tests and fakes that write tagged lines."""
    return (value.replace("\\", "\\\\").replace(";", "\\:").replace(" ", "\\s").replace("\r", "\\r")
            .replace("\n", "\\n"))


@dataclass(slots=True)
class IrcMessage:
    command: str
    params: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    prefix: str | None = None

    @property
    def nick(self) -> str | None:
        """The nick of a `nick!user@host` prefix (None for a server prefix)."""
        if self.prefix is None or "!" not in self.prefix:
            return None
        return self.prefix.split("!", 1)[0]

    @property
    def trailing(self) -> str:
        return self.params[-1] if self.params else ""


def parse_line(line: str) -> IrcMessage | None:
    """One IRC line (without its CR LF); None for a blank or malformed one."""
    line = line.rstrip("\r\n")
    tags: dict[str, str] = {}
    prefix = None
    if line.startswith("@"):
        raw, _, line = line[1:].partition(" ")
        for item in raw.split(";"):
            key, _, value = item.partition("=")
            if key:
                tags[key] = unescape_tag(value)
        line = line.lstrip(" ")
    if line.startswith(":"):
        prefix, _, line = line[1:].partition(" ")
        line = line.lstrip(" ")
    head, sep, trailing = line.partition(" :")
    if line.startswith(":"):  # no middle parameters at all
        head, sep, trailing = "", ":", line[1:]
    words = head.split()
    if not words:
        return None
    params = words[1:] + ([trailing] if sep else [])
    return IrcMessage(command=words[0].upper(), params=params, tags=tags, prefix=prefix)
