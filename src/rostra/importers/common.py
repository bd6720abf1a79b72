"""What every importer shares: safe streaming XML, HTML to Markdown, dates, and the spool.

The spool is a temporary SQLite file. A source file is read once, front to back, and each record
goes to the spool; threads are then read back one at a time with their comments. Memory holds one
thread, never the file. Records that cannot be read are skipped and kept in the spool for the
report; strict, the first of them refuses the file before anything is written to Rostra.
"""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, ClassVar
from urllib.parse import urlsplit

from lxml import etree

from rostra.domain.comments import CommentStatus
from rostra.services.imports import ImportFileError, SkippedRecord, SourceComment, SourceThread

Progress = Callable[[int], None]
# How much of a file's start is searched for a DOCTYPE when the parser gave up before its root.
PROLOG_BYTES = 64 * 1024
# Longest stretch read at once by the repairing reader: a line, or this much of a longer one.
REPAIR_CHUNK = 1 << 20
MAX_REPAIRS_KEPT = 200
# Characters XML 1.0 forbids (C0 controls but tab, newline, carriage return): one byte each in
# UTF-8 and never part of a longer character, so they can be removed byte by byte.
FORBIDDEN = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# An attribute whose value has no quotes, inside a start tag: <post dsq:id=5>.
UNQUOTED = re.compile(
    rb"(<[A-Za-z_][\w.:-]*(?:\s+[\w.:-]+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*"
    rb"\s+[\w.:-]+\s*=\s*)([^\s\"'<>=`]+?)(?=\s|/?>|$)"
)


class BadRecord(Exception):
    """A record that cannot be read. Readers skip it and report why (or, when strict, refuse
    the file); the message is the reason, the reader adds where."""


class CountingReader:
    """A binary file that reports how many bytes were read, for the progress bar."""

    def __init__(self, file: BinaryIO, on_read: Progress | None) -> None:
        self._file = file
        self._on_read = on_read

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        if self._on_read is not None and data:
            self._on_read(len(data))
        return data


class RepairingReader:
    """A UTF-8 file read line by line, with what XML forbids repaired before the parser sees it.

    Removes control characters XML does not allow and quotes attribute values written without
    quotes; libxml2's own recovery handles both badly (it drops every record after an unquoted
    attribute). Each repair is noted with its line. Also counts the start tags of ``record_tag``
    so that records the parser could not recover are counted, not silently lost.
    """

    def __init__(self, file: BinaryIO, on_read: Progress | None, record_tag: bytes) -> None:
        self._file = file
        self._on_read = on_read
        self._tag = re.compile(rb"<" + re.escape(record_tag) + rb"[\s>/]")
        self._buffer = b""
        self._offset = 0
        self._line = 1
        self._first = True
        self._utf16 = False
        self._in_cdata = False
        self.tags = 0
        self.repairs: list[str] = []
        self.repair_count = 0

    def note(self, line: int, text: str) -> None:
        """Remember a repair (the first ones; all are counted)."""
        self.repair_count += 1
        if len(self.repairs) < MAX_REPAIRS_KEPT:
            self.repairs.append(f"line {line}: {text}")

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (fewer at the end of a repaired line; empty at the end)."""
        while self._offset >= len(self._buffer):
            chunk = self._file.readline(REPAIR_CHUNK)
            if not chunk:
                return b""
            if self._on_read is not None:
                self._on_read(len(chunk))
            self._buffer, self._offset = self._repair(chunk), 0
        end = len(self._buffer) if size < 0 else self._offset + size
        data = self._buffer[self._offset : end]
        self._offset += len(data)
        return data

    def _repair(self, chunk: bytes) -> bytes:
        line = self._line
        self._line += chunk.count(b"\n")
        if self._first:
            self._first = False
            # UTF-16 (a byte-order mark): every character is two bytes; not ours to repair.
            self._utf16 = chunk.startswith((b"\xff\xfe", b"\xfe\xff"))
        if self._utf16:
            return chunk
        forbidden = FORBIDDEN.findall(chunk)
        if forbidden:
            codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in forbidden}))
            self.note(line, f"removed {len(forbidden)} control character(s) XML does not allow "
                            f"({codes})")  # fmt: skip
            chunk = FORBIDDEN.sub(b"", chunk)
        # Markup inside CDATA (a body's own HTML) is text: neither repaired nor counted.
        return b"".join(
            part if in_cdata else self._markup(part, line)
            for in_cdata, part in self._sections(chunk)
        )

    def _sections(self, chunk: bytes) -> Iterator[tuple[bool, bytes]]:
        """The chunk cut into (inside CDATA?, bytes), carrying the state to the next chunk."""
        position = 0
        while position < len(chunk):
            if self._in_cdata:
                end = chunk.find(b"]]>", position)
                stop = len(chunk) if end == -1 else end + 3
                yield True, chunk[position:stop]
                self._in_cdata = end == -1
            else:
                start = chunk.find(b"<![CDATA[", position)
                stop = len(chunk) if start == -1 else start
                yield False, chunk[position:stop]
                self._in_cdata = start != -1
            position = stop

    def _markup(self, part: bytes, line: int) -> bytes:
        self.tags += len(self._tag.findall(part))
        if b"=" not in part:
            return part
        for _ in range(32):  # a tag can have several; each pass quotes one per tag
            fixed, count = UNQUOTED.subn(rb'\1"\2"', part)
            if not count:
                break
            for match in UNQUOTED.finditer(part):
                self.note(
                    line,
                    "quoted an attribute value written without quotes: "
                    f"{match.group(0)[-80:].decode('utf-8', 'replace').strip()}",
                )
            part = fixed
        return part


class XmlFile:
    """A safe, streaming parse of an export; in recovery mode, repairs what it can and says so.

    Strict: the first error refuses the file, naming its line. Otherwise forbidden characters
    and unquoted attributes are repaired first (:class:`RepairingReader`), libxml2's recovery
    mode handles what is left (each of its errors is noted as a repair), and records whose
    start tag was seen but that the parser could not recover are counted in ``lost``.
    """

    def __init__(
        self, path: Path, on_read: Progress | None, *, strict: bool, record_tag: bytes
    ) -> None:
        self.path = path
        self._on_read = on_read
        self.strict = strict
        self._record_tag = record_tag
        self.repairs: list[str] = []
        self.repair_count = 0
        self.tags = 0

    def events(self) -> Iterator[tuple[str, etree._Element]]:
        """``("start"|"end", element)`` events; see :func:`iter_xml`."""
        if self.strict:
            yield from iter_xml(self.path, self._on_read)
            return
        try:
            file = self.path.open("rb")
        except OSError as exc:
            raise ImportFileError(f"Cannot open {self.path}: {exc.strerror}.") from exc
        with file:
            reader = RepairingReader(file, self._on_read, self._record_tag)
            events = _iterparse(reader, recover=True)
            yield from _reported(self.path, events)
            self.tags = reader.tags
            self.repairs = reader.repairs
            self.repair_count = reader.repair_count
            for error in events.error_log:
                self.repair_count += 1
                if len(self.repairs) < MAX_REPAIRS_KEPT:
                    self.repairs.append(
                        f"line {error.line}: the XML parser recovered from: {_explained(error)}"
                    )


def _explained(error: Any) -> str:
    message = str(error.message).strip()
    if "encoding" in message.lower() or "UTF-8" in message:
        message += " (the text there is kept with � marks; the file must be UTF-8, or declare "
        message += "its encoding)"
    return message


def _iterparse(source: Any, *, recover: bool = False) -> Any:
    return etree.iterparse(
        source,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=recover,
    )


def _checked(path: Path, events: Any) -> Iterator[tuple[str, etree._Element]]:
    """The events, after refusing a document with a DOCTYPE at its first element."""
    checked = False
    for event, element in events:
        if not checked:
            docinfo = element.getroottree().docinfo
            if docinfo.doctype or docinfo.internalDTD is not None:
                raise ImportFileError(
                    f"{path.name}: line {element.sourceline or 1}: the file declares a "
                    "DOCTYPE; exports never do, and DTD entities are refused for safety."
                )
            checked = True
        yield event, element


def iter_xml(path: Path, on_read: Progress | None = None) -> Iterator[tuple[str, etree._Element]]:
    """``("start"|"end", element)`` events of an XML file, parsed safely and in bounded memory.

    Entities are never expanded and nothing is fetched (``resolve_entities=False``,
    ``no_network``, no DTD loading), ``huge_tree`` stays off (libxml2's own size limits apply),
    and a document with a DOCTYPE is refused outright: no export format needs one, and it is
    where entity bombs ("billion laughs") and external entities live. Callers clear the
    elements they are done with.
    """
    try:
        file = path.open("rb")
    except OSError as exc:
        raise ImportFileError(f"Cannot open {path}: {exc.strerror}.") from exc
    with file:
        yield from _reported(path, _iterparse(CountingReader(file, on_read)))


def _reported(path: Path, events: Any) -> Iterator[tuple[str, etree._Element]]:
    """The checked events; a syntax error becomes an error naming the file and line."""
    started = False
    try:
        for item in _checked(path, events):
            started = True
            yield item
    except etree.XMLSyntaxError as exc:
        if not started and _declares_doctype(path):
            # libxml2 >= 2.14 stops an entity bomb inside the DTD, before the first element
            # reaches the check above; the reason to give is still the DOCTYPE.
            raise ImportFileError(
                f"{path.name}: line 1: the file declares a DOCTYPE; exports never do, and "
                "DTD entities are refused for safety."
            ) from exc
        line = exc.lineno or (exc.position[0] if exc.position else 0) or 1
        message = exc.msg or str(exc)
        if "UTF-8" in message or "encoding" in message.lower():
            message += " (the file must be UTF-8, or declare its encoding)"
        raise ImportFileError(f"{path.name}: line {line}: not well-formed XML: {message}") from exc


def _declares_doctype(path: Path) -> bool:
    """Whether the file's prolog (before its first element) has a ``<!DOCTYPE``."""
    with path.open("rb") as file:
        head = file.read(PROLOG_BYTES)
    position = 0
    while (start := head.find(b"<", position)) != -1:
        if head.startswith(b"<!DOCTYPE", start):
            return True
        if not head.startswith((b"<?", b"<!--"), start):
            return False  # the root element: a DOCTYPE can only come before it
        position = start + 1
    return False


def local(element: etree._Element) -> str:
    """An element's name without its namespace."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def require_root(path: Path, element: etree._Element, expected: str, source: str) -> None:
    """Refuse a file whose root element is not ``expected``, naming what it is instead."""
    if local(element) != expected:
        raise ImportFileError(
            f"{path.name}: line {element.sourceline}: this is not a {source} export "
            f"(the root element is <{local(element)}>, not <{expected}>)."
        )


def child_text(element: etree._Element, name: str) -> str:
    """The text of the first child called ``name`` (any namespace), or ``""``."""
    for child in element:
        if local(child) == name:
            return (child.text or "").strip()
    return ""


def release(element: etree._Element) -> None:
    """Free a processed element and the siblings before it, so the tree stays small."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def page_of(link: str, identifier: str = "") -> str:
    """The page a thread belongs to: the path of its URL (what the widget sends by default),
    or the source's own identifier when there is no URL."""
    link = link.strip()
    if link:
        try:
            parts = urlsplit(link)
        except ValueError:
            parts = None
        if parts is not None and (parts.scheme or parts.netloc):
            return parts.path or "/"
        if link.startswith("/"):
            return link
    return identifier.strip() or link


def parse_time(text: str) -> datetime:
    """An ISO 8601 or ``YYYY-MM-DD HH:MM:SS`` time, UTC when no zone is given."""
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError as exc:
        raise BadRecord(f"{text!r} is not a date") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class _Markdown(HTMLParser):
    """Turns the small HTML of comment bodies into the Markdown our renderer reads."""

    BLOCKS = frozenset({"p", "div", "ul", "ol", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
    DROPPED = frozenset({"script", "style", "iframe", "object", "embed", "noscript", "template"})
    INLINE: ClassVar[dict[str, str]] = {
        "b": "**",
        "strong": "**",
        "i": "*",
        "em": "*",
        "code": "`",
        "s": "~~",
        "del": "~~",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._dropping = 0
        self._links: list[tuple[int, str | None]] = []
        self._quotes: list[int] = []
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.DROPPED:
            self._dropping += 1
        elif self._dropping:
            return
        elif tag in self.BLOCKS:
            self.out.append("\n\n")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in self.INLINE and not self._pre:
            self.out.append(self.INLINE[tag])
        elif tag == "a":
            self._links.append((len(self.out), dict(attrs).get("href")))
        elif tag == "img":
            src, alt = dict(attrs).get("src") or "", dict(attrs).get("alt") or "image"
            if src.startswith(("http://", "https://")):
                self.out.append(f"[{alt}]({src})")
        elif tag == "pre":
            self._pre += 1
            self.out.append("\n\n```\n")
        elif tag == "blockquote":
            self._quotes.append(len(self.out))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.DROPPED:
            self._dropping = max(0, self._dropping - 1)
        elif self._dropping:
            return
        elif tag in self.BLOCKS:
            self.out.append("\n\n")
        elif tag in self.INLINE and not self._pre:
            self.out.append(self.INLINE[tag])
        elif tag == "a" and self._links:
            start, href = self._links.pop()
            text = "".join(self.out[start:]).strip()
            del self.out[start:]
            if href and href.startswith(("http://", "https://", "mailto:")) and text != href:
                text = text.replace("[", "(").replace("]", ")") or href
                self.out.append(f"[{text}]({href.replace(' ', '%20').replace(')', '%29')})")
            else:
                self.out.append(text)
        elif tag == "pre" and self._pre:
            self._pre -= 1
            self.out.append("\n```\n\n")
        elif tag == "blockquote" and self._quotes:
            start = self._quotes.pop()
            text = re.sub(r"\n\s*\n\s*", "\n\n", "".join(self.out[start:]).strip())
            del self.out[start:]
            quoted = "\n".join(f"> {line}".rstrip() for line in text.splitlines())
            self.out.append(f"\n\n{quoted}\n\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.out.append(data)


def html_to_markdown(html: str) -> str:
    """Markdown for a comment body kept as HTML by its source. Tags we do not know are dropped
    (their text is kept), script and style are dropped with their content; the result is then
    rendered and sanitized like any new comment, so no source HTML reaches a page as such."""
    parser = _Markdown()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    collapsed: list[str] = []
    for line in lines:
        if line or (collapsed and collapsed[-1]):
            collapsed.append(line)
    return "\n".join(collapsed).strip()


class Spool:
    """Records of one source file, kept on disk until they are imported thread by thread.

    Also counts every comment record of the file and keeps, on disk too, those that could not
    be read (:meth:`skip`), so that a file with many broken records stays in bounded memory.
    Strict, the first record that cannot be read refuses the file instead.
    """

    def __init__(self, name: str = "", *, strict: bool = False) -> None:
        self.name = name
        self.strict = strict
        self._dir = tempfile.TemporaryDirectory(prefix="rostra-import-")
        self._db = sqlite3.connect(Path(self._dir.name) / "spool.db")
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE threads (key TEXT PRIMARY KEY, page TEXT, title TEXT, record TEXT);"
            "CREATE TABLE comments (seq INTEGER PRIMARY KEY, thread_key TEXT, data TEXT);"
            "CREATE TABLE skipped (seq INTEGER PRIMARY KEY, record TEXT, reason TEXT);"
        )
        self.comment_count = 0
        self.record_count = 0
        self.left_out = 0
        self.lost = 0
        self.repairs: list[str] = []
        self.repair_count = 0
        self.warnings: list[str] = []

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Delete the spool."""
        self._db.close()
        self._dir.cleanup()

    def add_thread(self, key: str, page: str, title: str | None, record: str) -> None:
        """Remember a thread; the first one with a key wins (a repeated key is reported)."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO threads VALUES (?, ?, ?, ?)", (key, page, title, record)
        )
        if cursor.rowcount == 0:
            self.warnings.append(f"Thread id {key!r} ({record}) appears twice; the first is used.")

    def add_comment(self, thread_key: str, comment: SourceComment) -> None:
        """Remember a comment of the thread with ``thread_key``."""
        data = asdict(comment)
        data["created_at"] = comment.created_at.isoformat()
        data["edited_at"] = comment.edited_at.isoformat() if comment.edited_at else None
        data["status"] = comment.status.value
        self._db.execute(
            "INSERT INTO comments (thread_key, data) VALUES (?, ?)",
            (thread_key, json.dumps(data, ensure_ascii=False)),
        )
        self.comment_count += 1
        self.record_count += 1

    def skip(self, record: str, reason: str) -> None:
        """A comment record that cannot be read: kept for the report (strict: refused)."""
        if self.strict:
            raise ImportFileError(f"{self.name}: {record}: {reason}.")
        self._db.execute("INSERT INTO skipped (record, reason) VALUES (?, ?)", (record, reason))
        self.record_count += 1

    def leave_out(self) -> None:
        """A record no comment is made of, by design (a pingback, say): counted, not listed."""
        self.left_out += 1
        self.record_count += 1

    def read_from(self, xml: XmlFile, records: int) -> None:
        """Take over what parsing found: its repairs, and records the parser lost (start tags
        seen but never read as records), once ``records`` were read."""
        self.repairs, self.repair_count = xml.repairs, xml.repair_count
        if xml.repair_count and xml.tags > records:
            self.lost = xml.tags - records
            self.record_count += self.lost
            self.repairs.append(
                f"the file has {xml.tags:,} record start tags but {records:,} records could be "
                f"read: {self.lost:,} were lost to XML the parser could not repair (see the "
                "lines above)"
            )

    def skipped(self) -> Iterator[SkippedRecord]:
        """The records that could not be read (in file order), then those whose thread is
        not in the file."""
        for record, reason in self._db.execute("SELECT record, reason FROM skipped ORDER BY seq"):
            yield SkippedRecord(record, reason)

    def finish(self) -> None:
        """Index what was read; comments whose thread never appeared are skipped."""
        self._db.commit()
        self._db.execute("CREATE INDEX ix_comments ON comments (thread_key, seq)")
        orphaned = "FROM comments WHERE thread_key NOT IN (SELECT key FROM threads)"
        cursor = self._db.execute(
            "INSERT INTO skipped (record, reason) SELECT json_extract(data, '$.record'), "
            "CASE WHEN thread_key = '' THEN 'it names no thread' "
            "ELSE 'its thread ''' || thread_key || ''' is not in the file' END "
            f"{orphaned} ORDER BY seq"
        )
        if cursor.rowcount > 0:
            self._db.execute(f"DELETE {orphaned}")
            self.comment_count -= cursor.rowcount
        self._db.commit()

    def threads(self) -> Iterator[SourceThread]:
        """Each page's comments (threads sharing a page are merged), in file order."""
        current: str | None = None
        title: str | None = None
        record = ""
        batch: list[SourceComment] = []
        rows = self._db.execute(
            "SELECT t.page, t.title, t.record, c.data FROM threads t "
            "JOIN comments c ON c.thread_key = t.key ORDER BY t.page, c.seq"
        )
        for page, row_title, row_record, data in rows:
            if page != current:
                if current is not None and batch:
                    yield SourceThread(current, title, batch, record)
                current, title, record, batch = page, row_title, row_record, []
            title = title or row_title
            batch.append(_comment(json.loads(data)))
        if current is not None and batch:
            yield SourceThread(current, title, batch, record)


def _comment(data: dict[str, Any]) -> SourceComment:
    data["created_at"] = datetime.fromisoformat(data["created_at"])
    if data["edited_at"]:
        data["edited_at"] = datetime.fromisoformat(data["edited_at"])
    data["status"] = CommentStatus(data["status"])
    return SourceComment(**data)
