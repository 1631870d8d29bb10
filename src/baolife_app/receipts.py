"""``ReceiptVerifier`` adapters: a development one for local play, and the App Store.

Rules of this module (issue 4 "Store purchases", docs/store.md):

- A verifier never touches the network. The App Store verifier checks a StoreKit 2
  signed transaction (a JWS, compact serialization) offline, against a pinned root
  certificate, the way Apple's own server library does without its online
  (OCSP) checks:
  1. the header says ``"alg": "ES256"`` and carries ``x5c``: exactly three
     base64 DER certificates, leaf, intermediate and root; a ``crit`` header is
     refused (nothing here understands one);
  2. the root is byte for byte the pinned one (Apple Root CA - G3 unless
     configured), the intermediate is a CA signed by the root, the leaf is signed
     by the intermediate, and each of the three is valid at ``at`` (the instant of
     the request, not the payload's ``signedDate``: an expired signing key is not
     trusted for anything new);
  3. the leaf carries Apple's App Store receipt-signing extension
     (1.2.840.113635.100.6.11.1) and the intermediate Apple's WWDR intermediate
     marker (1.2.840.113635.100.6.2.1), so a certificate Apple issued to anyone
     else does not pass;
  4. the signature (raw ``r || s``, RFC 7518 §3.4) verifies with the leaf's P-256
     key over ``header.payload``;
  5. the payload's ``bundleId`` is the configured one, its ``environment`` is one
     the server accepts, and ``quantity`` (if present) is 1: a pack's diamonds are
     per purchase, and crediting one of several would shortchange the player.
- Every failure is a ``ReceiptError`` whose message says which check failed; it
  never includes the signed data itself.
- The development verifier accepts ``dev:<product_id>:<transaction_id>`` unsigned,
  for local play and tests only; constructed for production it refuses everything.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding

from baolife_core import ReceiptError, VerifiedPurchase

__all__ = [
    "APPLE_ROOT_CA_G3",
    "APP_STORE_ENVIRONMENTS",
    "INTERMEDIATE_OID",
    "LEAF_OID",
    "MAX_SIGNED_TRANSACTION",
    "AppStoreReceiptVerifier",
    "DevelopmentReceiptVerifier",
]

#: The longest signed transaction accepted (characters); Apple's are about 3-5 KiB.
MAX_SIGNED_TRANSACTION = 16 * 1024

#: Apple's "Mac App Store and iTunes Store receipt signing" extension (the leaf).
LEAF_OID = x509.ObjectIdentifier("1.2.840.113635.100.6.11.1")
#: Apple's "Apple Worldwide Developer Relations" intermediate marker.
INTERMEDIATE_OID = x509.ObjectIdentifier("1.2.840.113635.100.6.2.1")

#: Apple Root CA - G3 (https://www.apple.com/certificateauthority/), DER in base64.
#: SHA-256 fingerprint 63343abf b89a6a03 ebb57e9b 3f5fa7be 7c4f5c75 6f3017b3
#: a8c488c3 653e9179 (a test checks it); valid until 2039-04-30.
APPLE_ROOT_CA_G3 = base64.b64decode(
    "MIICQzCCAcmgAwIBAgIILcX8iNLFS5UwCgYIKoZIzj0EAwMwZzEbMBkGA1UEAwwSQXBwbGUgUm9vdCBD"
    "QSAtIEczMSYwJAYDVQQLDB1BcHBsZSBDZXJ0aWZpY2F0aW9uIEF1dGhvcml0eTETMBEGA1UECgwKQXBw"
    "bGUgSW5jLjELMAkGA1UEBhMCVVMwHhcNMTQwNDMwMTgxOTA2WhcNMzkwNDMwMTgxOTA2WjBnMRswGQYD"
    "VQQDDBJBcHBsZSBSb290IENBIC0gRzMxJjAkBgNVBAsMHUFwcGxlIENlcnRpZmljYXRpb24gQXV0aG9y"
    "aXR5MRMwEQYDVQQKDApBcHBsZSBJbmMuMQswCQYDVQQGEwJVUzB2MBAGByqGSM49AgEGBSuBBAAiA2IA"
    "BJjpLz1AcqTtkyJygRMc3RCV8cWjTnHcFBbZDuWmBSp3ZHtfTjjTuxxEtX/1H7YyYl3J6YRbTzBPEVoA"
    "/VhYDKX1DyxNB0cTddqXl5dvMVztK517IDvYuVTZXpmkOlEKMaNCMEAwHQYDVR0OBBYEFLuw3qFYM4ia"
    "pIqZ3r6966/ayySrMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMDA2gA"
    "MGUCMQCD6cHEFl4aXTQY2e3v9GwOAEZLuN+yRhHFD/3meoyhpmvOwgPUnPWTxnS4at+qIxUCMG1mihDK"
    "1A3UT82NQz60imOlM27jbdoXt2QfyFMm+YhidDkLF1vLUagM6BgD56KyKA=="
)

#: The App Store's ``environment`` values the server may accept, and their names in
#: ``VerifiedPurchase.environment``.
APP_STORE_ENVIRONMENTS = {"Production": "production", "Sandbox": "sandbox"}

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class DevelopmentReceiptVerifier:
    """Unsigned ``dev:<product_id>:<transaction_id>`` purchases, for local play.

    The product id may not contain ``:``; the transaction id may. The purchase is
    dated ``at`` and its original transaction is itself. Anyone can write such a
    string, so a verifier constructed with ``production=True`` refuses them all.
    """

    def __init__(self, *, production: bool = False) -> None:
        self.production = production

    def verify(self, signed_transaction: str, *, at: int) -> VerifiedPurchase:
        """The purchase the string names, or ``ReceiptError``."""
        if self.production:
            raise ReceiptError("development purchases are refused in production")
        text = signed_transaction if isinstance(signed_transaction, str) else ""
        prefix, _, rest = text.partition(":")
        product_id, _, transaction_id = rest.partition(":")
        if prefix != "dev" or not product_id or not transaction_id:
            raise ReceiptError(
                "a development purchase reads 'dev:<product_id>:<transaction_id>'"
            )
        return VerifiedPurchase(
            product_id=product_id,
            transaction_id=transaction_id,
            original_transaction_id=transaction_id,
            environment="development",
            purchased_at=at,
            revoked=False,
        )


class AppStoreReceiptVerifier:
    """StoreKit 2 signed transactions (JWS), checked offline (see module rules)."""

    def __init__(
        self,
        bundle_id: str,
        *,
        root_certificate: bytes = APPLE_ROOT_CA_G3,
        environments: Collection[str] = ("Production", "Sandbox"),
    ) -> None:
        """A verifier for the app ``bundle_id``.

        ``root_certificate`` (DER or PEM) is the trust anchor; tests pass their own.
        ``environments`` are the App Store environments accepted: ``Production``,
        and ``Sandbox`` for App Review and TestFlight (Apple reviews a production
        build with sandbox purchases, so a live server usually accepts both).
        """
        if not bundle_id:
            raise ValueError("bundle_id must not be empty")
        unknown = sorted(set(environments) - set(APP_STORE_ENVIRONMENTS))
        if unknown or not environments:
            raise ValueError(
                f"environments must be some of {sorted(APP_STORE_ENVIRONMENTS)}, "
                f"got {sorted(environments)}"
            )
        self.bundle_id = bundle_id
        self.environments = frozenset(environments)
        self.root = _load_root(root_certificate)
        self._root_der = self.root.public_bytes(Encoding.DER)

    def verify(self, signed_transaction: str, *, at: int) -> VerifiedPurchase:
        """The verified purchase, or ``ReceiptError`` naming the failed check."""
        if not isinstance(signed_transaction, str):
            raise ReceiptError("the signed transaction must be a string")
        if len(signed_transaction) > MAX_SIGNED_TRANSACTION:
            raise ReceiptError(
                f"the signed transaction exceeds {MAX_SIGNED_TRANSACTION} characters"
            )
        parts = signed_transaction.split(".")
        if len(parts) != 3:
            raise ReceiptError("the signed transaction is not a compact JWS")
        header = _json_object(_b64url(parts[0], "header"), "header")
        leaf = self._verified_leaf(header, at)
        self._check_signature(leaf, f"{parts[0]}.{parts[1]}", parts[2])
        payload = _json_object(_b64url(parts[1], "payload"), "payload")
        return self._purchase(payload)

    def _verified_leaf(self, header: dict[str, Any], at: int) -> x509.Certificate:
        """Steps 1-3: the header, the chain to the pinned root, Apple's markers."""
        alg = header.get("alg")
        if alg != "ES256":
            raise ReceiptError(f"the JWS alg must be ES256, got {alg!r:.40}")
        if "crit" in header:
            raise ReceiptError("the JWS header has critical extensions")
        chain = header.get("x5c")
        if not isinstance(chain, list) or len(chain) != 3:
            raise ReceiptError("the JWS x5c header must hold exactly 3 certificates")
        leaf, intermediate, root = (
            _certificate(item, index) for index, item in enumerate(chain)
        )
        if root.public_bytes(Encoding.DER) != self._root_der:
            raise ReceiptError("the certificate chain does not end at the trusted root")
        instant = _EPOCH + timedelta(milliseconds=at)
        for name, certificate in (
            ("leaf", leaf),
            ("intermediate", intermediate),
            ("root", root),
        ):
            if not (
                certificate.not_valid_before_utc
                <= instant
                <= certificate.not_valid_after_utc
            ):
                raise ReceiptError(f"the {name} certificate is not valid at {at}")
        _check_issued(intermediate, root, "intermediate", "root")
        _check_issued(leaf, intermediate, "leaf", "intermediate")
        if not _is_ca(intermediate):
            raise ReceiptError("the intermediate certificate is not a CA")
        _check_marker(leaf, LEAF_OID, "leaf")
        _check_marker(intermediate, INTERMEDIATE_OID, "intermediate")
        return leaf

    @staticmethod
    def _check_signature(
        leaf: x509.Certificate, signing_input: str, signature: str
    ) -> None:
        """Step 4: the ES256 signature over ``header.payload`` with the leaf key."""
        key = leaf.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(
            key.curve, ec.SECP256R1
        ):
            raise ReceiptError("the leaf certificate's key is not a P-256 key")
        raw = _b64url(signature, "signature")
        if len(raw) != 64:
            raise ReceiptError("the ES256 signature must be 64 bytes (r || s)")
        der = encode_dss_signature(
            int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        )
        try:
            key.verify(der, signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise ReceiptError(
                "the JWS signature does not verify with the leaf certificate"
            ) from None

    def _purchase(self, payload: dict[str, Any]) -> VerifiedPurchase:
        """Step 5: the app, the environment, and the fields of the purchase."""
        bundle_id = payload.get("bundleId")
        if bundle_id != self.bundle_id:
            raise ReceiptError(
                f"the transaction is for bundle {bundle_id!r}, not this app's"
            )
        environment = payload.get("environment")
        if environment not in self.environments:
            raise ReceiptError(
                f"the {environment!r} environment is not accepted by this server"
            )
        quantity = payload.get("quantity", 1)
        if quantity != 1 or type(quantity) is not int:
            raise ReceiptError(f"a quantity of {quantity!r} is not supported")
        revoked_at = payload.get("revocationDate")
        if revoked_at is not None and type(revoked_at) is not int:
            raise ReceiptError("revocationDate must be an integer")
        return VerifiedPurchase(
            product_id=_text(payload, "productId"),
            transaction_id=_text(payload, "transactionId"),
            original_transaction_id=_text(payload, "originalTransactionId"),
            environment=APP_STORE_ENVIRONMENTS[environment],
            purchased_at=_instant(payload, "purchaseDate"),
            revoked=revoked_at is not None,
        )


def _load_root(data: bytes) -> x509.Certificate:
    """The trust anchor from DER or PEM bytes (``ValueError`` if neither)."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def _b64url(segment: str, what: str) -> bytes:
    """A base64url segment without padding (RFC 7515 §2), decoded."""
    if not _BASE64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise ReceiptError(f"the JWS {what} is not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        raise ReceiptError(f"the JWS {what} is not JSON") from None
    if not isinstance(value, dict):
        raise ReceiptError(f"the JWS {what} is not a JSON object")
    return value


def _certificate(item: object, index: int) -> x509.Certificate:
    """``x5c[index]``: standard base64 of a DER certificate (RFC 7515 §4.1.6)."""
    if not isinstance(item, str):
        raise ReceiptError(f"x5c[{index}] is not a string")
    try:
        return x509.load_der_x509_certificate(base64.b64decode(item, validate=True))
    except (binascii.Error, ValueError):
        raise ReceiptError(f"x5c[{index}] is not a base64 DER certificate") from None


def _check_issued(
    child: x509.Certificate, issuer: x509.Certificate, name: str, issuer_name: str
) -> None:
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        raise ReceiptError(
            f"the {name} certificate is not signed by the {issuer_name}"
        ) from None


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        constraints = certificate.extensions.get_extension_for_class(
            x509.BasicConstraints
        )
    except (x509.ExtensionNotFound, ValueError):  # absent, or malformed extensions
        return False
    return constraints.value.ca


def _check_marker(
    certificate: x509.Certificate, oid: x509.ObjectIdentifier, name: str
) -> None:
    try:
        certificate.extensions.get_extension_for_oid(oid)
    except (x509.ExtensionNotFound, ValueError):  # absent, or malformed extensions
        raise ReceiptError(
            f"the {name} certificate lacks Apple's {oid.dotted_string} extension"
        ) from None


def _text(payload: dict[str, Any], field: str) -> str:
    value = payload.get(field)
    if not isinstance(value, str) or not value:
        raise ReceiptError(f"the payload's {field} must be a non-empty string")
    return value


def _instant(payload: dict[str, Any], field: str) -> int:
    value = payload.get(field)
    if type(value) is not int or value < 0:
        raise ReceiptError(f"the payload's {field} must be an instant in ms")
    return value
