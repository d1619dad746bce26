"""Backup files encrypted with a passphrase: a key stretched by scrypt, the data sealed by
AES-256-GCM in chunks of 64 KiB, read back as a stream.

Why this and not age (pyrage): pyrage encrypts with a passphrase only from bytes in memory, and
a restore must stream a file of any size; age's streaming calls take key pairs, which the
people who keep this register would have to store and move safely. `cryptography` is the
Python Cryptographic Authority's library, and the construction is the one age and Tink use
("STREAM"): each chunk is sealed with its number and whether it is the last in its nonce, so a
chunk cannot be altered, dropped, repeated or moved, and a file cut at a chunk boundary is told
from a whole one. The header records the total size and is sealed with its own key, so a wrong
passphrase is told apart from a damaged file, and a file cut anywhere is named as cut off
before a single chunk is read.

    header:  MAGIC, scrypt cost (log2 n, 1 byte), salt (16), total size of the file (8),
             HMAC-SHA256 of the above (32)
    chunks:  AES-256-GCM(plaintext of 64 KiB or less, the last one shorter or empty),
             nonce = chunk number (11 bytes, big-endian) + 1 if it is the last chunk else 0

scrypt (n = 2**17, r = 8, p = 1: 128 MiB and about a second) yields 64 bytes: the AES key and
the header's HMAC key. A new random salt per file gives every file its own keys, so counting
nonces never repeat under one key.
"""

import hmac
import io
import os
import struct
import unicodedata
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"casetracker-backup/aes-256-gcm/scrypt/v1\n"
SCRYPT_LOG_N = 17
# A file asking for more would take gigabytes and minutes before the passphrase is even tried.
MOST_SCRYPT_LOG_N = 20
SALT_BYTES = 16
CHUNK_BYTES = 64 * 1024
TAG_BYTES = 16
MAC_BYTES = 32
_FIELDS = struct.Struct(f">B{SALT_BYTES}sQ")
HEADER_BYTES = len(MAGIC) + _FIELDS.size + MAC_BYTES


class DecryptionError(Exception):
    """The file cannot be decrypted; the subclass says why."""


class WrongPassphrase(DecryptionError):
    """The passphrase does not open the file (or its header was altered)."""


class CutOff(DecryptionError):
    """The file is shorter than it was written."""


class Altered(DecryptionError):
    """A part of the file no longer is what was written."""


def is_encrypted(start: bytes) -> bool:
    """Whether a file beginning with `start` (its first bytes) is an encrypted backup."""
    return start.startswith(MAGIC)


def _keys(passphrase: str, salt: bytes, log_n: int) -> tuple[bytes, bytes]:
    # The same words typed on another keyboard may come as other code points (й, ё, ә, ү).
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    stretched = Scrypt(salt=salt, length=64, n=2**log_n, r=8, p=1).derive(secret)
    return stretched[:32], stretched[32:]


def _nonce(number: int, last: bool) -> bytes:
    return number.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter(io.RawIOBase):
    """A writable stream that encrypts into `out`, a seekable file opened for writing; finish()
    seals the last chunk and writes the total size into the header (a file left unfinished by
    an error has no header: it opens as no backup at all)."""

    def __init__(self, out: BinaryIO, passphrase: str):
        super().__init__()
        self.out = out
        self.salt = os.urandom(SALT_BYTES)
        self.log_n = SCRYPT_LOG_N
        key, self.header_key = _keys(passphrase, self.salt, self.log_n)
        self.aead = AESGCM(key)
        self.start = out.tell()
        self.out.write(b"\0" * HEADER_BYTES)  # filled in by finish(), once the size is known
        self.pending = bytearray()
        self.number = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.pending += data
        # A full chunk is sealed once more data follows: only then is it known not to be last.
        while len(self.pending) > CHUNK_BYTES:
            self._seal(bytes(self.pending[:CHUNK_BYTES]), last=False)
            del self.pending[:CHUNK_BYTES]
        return len(data)

    def finish(self) -> None:
        self._seal(bytes(self.pending), last=True)
        end = self.out.tell()
        fields = MAGIC + _FIELDS.pack(self.log_n, self.salt, end - self.start)
        self.out.seek(self.start)
        self.out.write(fields + hmac.digest(self.header_key, fields, "sha256"))
        self.out.seek(end)
        self.close()

    def _seal(self, plaintext: bytes, last: bool) -> None:
        self.out.write(self.aead.encrypt(_nonce(self.number, last), plaintext, None))
        self.number += 1


class DecryptingReader(io.RawIOBase):
    """A readable stream of the plaintext of an encrypted file. The header is checked when it
    is opened: a wrong passphrase or a file cut short raises at once, before any plaintext."""

    def __init__(self, source: BinaryIO, passphrase: str, keys: "Keys | None" = None):
        super().__init__()
        self.source = source
        start = source.tell()
        written = source.seek(0, io.SEEK_END) - start
        source.seek(start)
        header = source.read(HEADER_BYTES)
        if not is_encrypted(header):
            raise Altered()
        if len(header) < HEADER_BYTES:
            raise CutOff()
        fields, mac = header[:-MAC_BYTES], header[-MAC_BYTES:]
        log_n, salt, size = _FIELDS.unpack(fields[len(MAGIC) :])
        if not 1 <= log_n <= MOST_SCRYPT_LOG_N:
            raise Altered()
        if keys is None or keys.salt != salt:
            keys = Keys(passphrase, salt, log_n)
        self.keys = keys
        if not hmac.compare_digest(hmac.digest(keys.header, fields, "sha256"), mac):
            raise WrongPassphrase()
        if written < size:
            raise CutOff()
        if written > size:
            raise Altered()
        self.aead = AESGCM(keys.content)
        self.number = 0
        self.plaintext = b""
        self.position = 0
        self.finished = False
        self.ahead = self._read_chunk()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self.position >= len(self.plaintext) and not self.finished:
            self._open_next_chunk()
        count = min(len(buffer), len(self.plaintext) - self.position)
        buffer[:count] = self.plaintext[self.position : self.position + count]
        self.position += count
        return count

    def _read_chunk(self) -> bytes:
        chunk = b""
        while len(chunk) < CHUNK_BYTES + TAG_BYTES:
            more = self.source.read(CHUNK_BYTES + TAG_BYTES - len(chunk))
            if not more:
                break
            chunk += more
        return chunk

    def _open_next_chunk(self) -> None:
        sealed, self.ahead = self.ahead, self._read_chunk()
        last = not self.ahead
        try:
            self.plaintext = self.aead.decrypt(_nonce(self.number, last), sealed, None)
        except InvalidTag:
            if last and self._opens(sealed, last=False):
                raise CutOff() from None  # the chunks that followed were dropped
            raise Altered() from None
        self.number += 1
        self.position = 0
        self.finished = last

    def _opens(self, sealed: bytes, last: bool) -> bool:
        try:
            self.aead.decrypt(_nonce(self.number, last), sealed, None)
        except InvalidTag:
            return False
        return True


class Keys:
    """The keys stretched from a passphrase for one file's salt: a restore reads the file
    twice (checking, then restoring) but stretches the passphrase once."""

    def __init__(self, passphrase: str, salt: bytes, log_n: int):
        self.salt = salt
        self.content, self.header = _keys(passphrase, salt, log_n)
