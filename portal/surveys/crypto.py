"""Survey links, drafts, and sealed ballots.

Each round has its own keys (``survey_round_keys``), made when it opens and deleted when
it closes: an X25519 key pair that ballots are sealed to, and a link secret that the
links' tokens and so the drafts' keys derive from. The private key and the link secret
are stored wrapped (AES-GCM) under a key derived from the app's ``SECRET_KEY``: a copy of
the database alone reads neither. Once the round has closed they are gone, and with them
every way to rebuild a link from ``SECRET_KEY`` and a copy.

A respondent's link carries a token that is HMAC-SHA256 of the invitation's random salt
under a key derived from the round's link secret. The database keeps the salt and the
token's SHA-256 hash, never the token.

Answers are encoded with a fixed-size codec (``encode_answers``): every draft and every
ballot of a round has the same length whatever was answered, the free text compressed
and padded to a fixed block. A draft is encrypted with AES-GCM under a key derived from
the token; a ballot is sealed to the round's public key (ephemeral X25519, HKDF-SHA256,
AES-GCM) and can be opened only with the round's private key, which only closing the
round uses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TOKEN_BYTES = 32
LINK_KEY_INFO = b"samverkansportalen survey link v2"
DRAFT_KEY_INFO = b"samverkansportalen survey draft v2"
WRAP_KEY_INFO = b"samverkansportalen survey round key wrap v1"
BALLOT_KEY_INFO = b"samverkansportalen survey ballot v1"
CODE_KEY_INFO = b"samverkansportalen survey participant code v1"
# Crockford's base32: no I, L, O or U, so nothing on paper reads as two letters.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 bits
CODE_GROUP = 4  # printed as XXXX-XXXX-XXXX
_CODE_READS_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
CODEC_VERSION = 2
TEXT_BUDGET_PER_QUESTION = 900  # bytes of compressed free text, pooled across questions
V1_TEXT_BYTES = 4000 * 4  # version 1: 4,000 characters of UTF-8's longest
NO_ANSWER = 0
DONT_KNOW_BYTE = 0xFF


def new_salt() -> str:
    """A random salt for a new invitation's link."""
    return secrets.token_hex(16)


def _hkdf(material: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(material)


def link_token(link_secret: bytes | str, salt: str) -> str:
    """The token in an invitation's link (URL-safe, 43 characters), from the round's
    link secret (``RoundKeys.link_secret``)."""
    material = link_secret.encode() if isinstance(link_secret, str) else link_secret
    key = _hkdf(material, LINK_KEY_INFO)
    digest = hmac.new(key, bytes.fromhex(salt), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """What the database keeps of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def looks_like_token(token: str) -> bool:
    """Cheap shape check before any database look-up."""
    return _TOKEN_SHAPE.fullmatch(token) is not None


# --- participant codes ---------------------------------------------------------------


def new_code() -> str:
    """A participant code: 12 characters drawn by the system's random source from an
    alphabet that reads unambiguously (60 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """A code as printed: ``XXXX-XXXX-XXXX``."""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def normalize_code(typed: str) -> str | None:
    """The code someone typed, as issued, or None when it cannot be one: case, spaces
    and dashes do not matter, and O, I and L read as 0, 1 and 1."""
    cleaned = "".join(typed.split()).replace("-", "").replace("\u2013", "").upper()
    cleaned = cleaned.translate(_CODE_READS_AS)
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned


def code_token(link_secret: bytes, code: str) -> str:
    """The token a participant code stands for (shaped like a link's): HMAC-SHA256 of
    the code under a key derived from the round's link secret. The database keeps its
    SHA-256 (``token_hash``), so a copy cannot test guessed codes, and once the round
    has closed (its link secret deleted) nobody can."""
    key = _hkdf(link_secret, CODE_KEY_INFO)
    digest = hmac.new(key, code.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


# --- round keys --------------------------------------------------------------------


@dataclass(frozen=True)
class RoundKeys:
    """A round's secrets, unwrapped: the ballots' private key and the link secret."""

    private_key: bytes
    link_secret: bytes

    @property
    def public_key(self) -> bytes:
        private = X25519PrivateKey.from_private_bytes(self.private_key)
        return private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )


def new_round_keys() -> RoundKeys:
    private = X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return RoundKeys(private_key=private, link_secret=secrets.token_bytes(32))


def _wrap_key(secret_key: str, round_id: int) -> bytes:
    return _hkdf(secret_key.encode(), WRAP_KEY_INFO, salt=struct.pack(">Q", round_id))


def wrap_round_keys(secret_key: str, round_id: int, keys: RoundKeys) -> bytes:
    """nonce ‖ AES-GCM(private key ‖ link secret), bound to the round."""
    nonce = secrets.token_bytes(12)
    aad = f"survey-round-keys:{round_id}".encode()
    sealed = AESGCM(_wrap_key(secret_key, round_id)).encrypt(
        nonce, keys.private_key + keys.link_secret, aad
    )
    return nonce + sealed


def unwrap_round_keys(secret_key: str, round_id: int, wrapped: bytes) -> RoundKeys:
    aad = f"survey-round-keys:{round_id}".encode()
    plain = AESGCM(_wrap_key(secret_key, round_id)).decrypt(wrapped[:12], wrapped[12:], aad)
    return RoundKeys(private_key=plain[:32], link_secret=plain[32:])


# --- the fixed-size codec -------------------------------------------------------------
#
# Version 2 (the one written): per question in order, a scale answer as one byte (0 none,
# 1… the point, 255 "don't know"); then, if the questions include free text, every
# text answer (UTF-8, each with its length) compressed together (raw DEFLATE) into a
# block of ``TEXT_BUDGET_PER_QUESTION`` bytes per free-text question: the compressed
# length, the compressed texts, zeros. A ballot of the demo instrument (two free-text
# questions) is under 2 KB, so PostgreSQL keeps it in the row, not in TOAST chunks.
# Texts that do not fit are refused before anything is written (``TextTooLongError``; the
# form says so and keeps what was typed), never cut.
#
# Version 1 (read only: drafts and ballots written before): free text padded to 4,000
# characters × 4 bytes per question, 16 KB each.


class CodedQuestion(Protocol):
    """What the codec reads of a question."""

    @property
    def code(self) -> str: ...

    @property
    def is_scale(self) -> bool: ...


class TextTooLongError(ValueError):
    """The free text answers, compressed, do not fit the block: by ``overflow`` bytes,
    of ``packed`` bytes they took compressed."""

    def __init__(self, overflow: int, packed: int) -> None:
        super().__init__(f"free text too long by {overflow} compressed bytes")
        self.overflow = overflow
        self.packed = packed


def text_budget(questions: Sequence[CodedQuestion]) -> int:
    """The text block's length for these questions (0 without free text)."""
    return TEXT_BUDGET_PER_QUESTION * sum(1 for q in questions if not q.is_scale)


def encoded_size(questions: Sequence[CodedQuestion]) -> int:
    """The one length every encoding of these questions' answers has."""
    return 1 + 4 + sum(1 for q in questions if q.is_scale) + text_budget(questions)


def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def pack_texts(texts: Sequence[str], budget: int) -> bytes:
    """The texts as the text block of ``budget`` bytes; ``TextTooLongError`` if they do not
    fit. Each text is its UTF-8 length (2 bytes) and its UTF-8."""
    raw = b"".join(struct.pack(">H", len(b)) + b for b in (t.encode() for t in texts))
    packed = _deflate(raw)
    room = budget - 2
    if len(packed) > room:
        raise TextTooLongError(len(packed) - room, len(packed))
    return struct.pack(">H", len(packed)) + packed + bytes(room - len(packed))


def unpack_texts(block: bytes, count: int) -> list[str]:
    """The ``count`` texts of a text block."""
    (length,) = struct.unpack_from(">H", block, 0)
    unpacker = zlib.decompressobj(-15)
    raw = unpacker.decompress(block[2 : 2 + length], count * (2 + 0xFFFF))
    texts, offset = [], 0
    for _ in range(count):
        (size,) = struct.unpack_from(">H", raw, offset)
        texts.append(raw[offset + 2 : offset + 2 + size].decode())
        offset += 2 + size
    return texts


def encode_answers(
    questions: Sequence[CodedQuestion],
    answers: Mapping[str, str],
    *,
    group_id: int,
    dont_know: str,
) -> bytes:
    """The answers (checked already) as bytes of ``encoded_size`` (version 2, above);
    ``TextTooLongError`` when the free text does not fit."""
    parts = [struct.pack(">BI", CODEC_VERSION, group_id)]
    texts = []
    for question in questions:
        value = answers.get(question.code, "")
        if not question.is_scale:
            texts.append(value)
        elif not value:
            parts.append(bytes([NO_ANSWER]))
        elif value == dont_know:
            parts.append(bytes([DONT_KNOW_BYTE]))
        else:
            point = int(value)
            if not 1 <= point < DONT_KNOW_BYTE:
                raise ValueError("scale point out of range")
            parts.append(bytes([point]))
    if texts:
        parts.append(pack_texts(texts, text_budget(questions)))
    return b"".join(parts)


def decode_answers(
    questions: Sequence[CodedQuestion], data: bytes, *, dont_know: str
) -> tuple[int, dict[str, str]]:
    """(group id, answers) from ``encode_answers``' bytes, of either version."""
    version, group_id = struct.unpack_from(">BI", data, 0)
    if version == 1:
        return group_id, _decode_v1(questions, data, dont_know)
    if version != CODEC_VERSION:
        raise ValueError("unknown codec version")
    offset = 5
    answers: dict[str, str] = {}
    for question in questions:
        if question.is_scale:
            byte = data[offset]
            offset += 1
            if byte == DONT_KNOW_BYTE:
                answers[question.code] = dont_know
            elif byte != NO_ANSWER:
                answers[question.code] = str(byte)
    written = [q for q in questions if not q.is_scale]
    if written:
        for question, text in zip(written, unpack_texts(data[offset:], len(written)), strict=True):
            if text:
                answers[question.code] = text
    return group_id, answers


def _decode_v1(questions: Sequence[CodedQuestion], data: bytes, dont_know: str) -> dict[str, str]:
    """Version 1's answers: free text padded to ``V1_TEXT_BYTES`` per question."""
    offset = 5
    answers: dict[str, str] = {}
    for question in questions:
        if question.is_scale:
            byte = data[offset]
            offset += 1
            if byte == DONT_KNOW_BYTE:
                answers[question.code] = dont_know
            elif byte != NO_ANSWER:
                answers[question.code] = str(byte)
        else:
            (length,) = struct.unpack_from(">H", data, offset)
            text = data[offset + 2 : offset + 2 + length].decode()
            offset += 2 + V1_TEXT_BYTES
            if text:
                answers[question.code] = text
    return answers


# --- drafts ---------------------------------------------------------------------------


def _draft_key(token: str, salt: str) -> bytes:
    return _hkdf(token.encode(), DRAFT_KEY_INFO, salt=bytes.fromhex(salt))


def encrypt_draft(token: str, salt: str, invitation_id: int, encoded: bytes) -> tuple[bytes, bytes]:
    """(nonce, ciphertext) of the draft (fixed-size encoded answers); the invitation id
    is bound in as associated data."""
    nonce = secrets.token_bytes(12)
    aad = f"survey-draft:{invitation_id}".encode()
    return nonce, AESGCM(_draft_key(token, salt)).encrypt(nonce, encoded, aad)


def decrypt_draft(
    token: str, salt: str, invitation_id: int, nonce: bytes, ciphertext: bytes
) -> bytes | None:
    """The draft's encoded answers, or None when it cannot be read with this token."""
    aad = f"survey-draft:{invitation_id}".encode()
    try:
        return AESGCM(_draft_key(token, salt)).decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        return None


# --- sealed ballots ---------------------------------------------------------------------


def _ballot_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return _hkdf(shared, BALLOT_KEY_INFO, salt=ephemeral + recipient)


def seal_ballot(public_key: bytes, round_id: int, encoded: bytes) -> bytes:
    """ephemeral public key ‖ nonce ‖ AES-GCM(encoded), readable only with the round's
    private key."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key))
    nonce = secrets.token_bytes(12)
    aad = f"survey-ballot:{round_id}".encode()
    key = _ballot_key(shared, ephemeral_public, public_key)
    return ephemeral_public + nonce + AESGCM(key).encrypt(nonce, encoded, aad)


def open_ballot(private_key: bytes, round_id: int, sealed: bytes) -> bytes:
    """The encoded answers of a sealed ballot (raises ``InvalidTag`` if tampered with)."""
    private = X25519PrivateKey.from_private_bytes(private_key)
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    ephemeral, nonce, body = sealed[:32], sealed[32:44], sealed[44:]
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
    aad = f"survey-ballot:{round_id}".encode()
    return AESGCM(_ballot_key(shared, ephemeral, public)).decrypt(nonce, body, aad)
