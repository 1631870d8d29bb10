"""Tests of ``baolife_app.receipts``: the development and App Store verifiers.

The App Store tests build an Apple-like PKI with ``cryptography`` (a root CA, an
intermediate with Apple's WWDR marker, a leaf with Apple's receipt-signing
extension) and sign StoreKit 2-shaped JWS payloads with it; nothing touches the
network.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from baolife_app import Settings, SettingsError
from baolife_app.bootstrap import make_verifier
from baolife_app.receipts import (
    APPLE_ROOT_CA_G3,
    INTERMEDIATE_OID,
    LEAF_OID,
    MAX_SIGNED_TRANSACTION,
    AppStoreReceiptVerifier,
    DevelopmentReceiptVerifier,
)
from baolife_core import ReceiptError, VerifiedPurchase

BUNDLE = "com.baolife.app"
#: 2026-01-01T00:00:00Z in ms: the instant of the verifications.
NOW = 1_767_225_600_000
NOW_DT = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=NOW)
DAY = timedelta(days=1)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    *,
    issuer: str,
    issuer_key: ec.EllipticCurvePrivateKey,
    ca: bool,
    marker: x509.ObjectIdentifier | None = None,
    not_before: datetime = NOW_DT - 365 * DAY,
    not_after: datetime = NOW_DT + 365 * DAY,
) -> x509.Certificate:
    """A certificate for ``key``, signed by ``issuer_key``."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if marker is not None:
        builder = builder.add_extension(
            x509.UnrecognizedExtension(marker, b"\x05\x00"), critical=False
        )
    algorithm = hashes.SHA384() if issuer_key.curve.key_size > 256 else hashes.SHA256()
    return builder.sign(issuer_key, algorithm)


@frozen
class Pki:
    """An Apple-like chain: root, intermediate and leaf, with their keys."""

    root: x509.Certificate
    root_key: ec.EllipticCurvePrivateKey
    intermediate: x509.Certificate
    intermediate_key: ec.EllipticCurvePrivateKey
    leaf: x509.Certificate
    leaf_key: ec.EllipticCurvePrivateKey

    @classmethod
    def create(cls, name: str = "Test Root CA - G3", **leaf: Any) -> Pki:
        """A fresh chain; ``leaf`` overrides the leaf's certificate options."""
        root_key = ec.generate_private_key(ec.SECP384R1())
        root = _certificate(name, root_key, issuer=name, issuer_key=root_key, ca=True)
        intermediate_key = ec.generate_private_key(ec.SECP384R1())
        intermediate = _certificate(
            "Test WWDR - G6",
            intermediate_key,
            issuer=name,
            issuer_key=root_key,
            ca=True,
            marker=INTERMEDIATE_OID,
        )
        leaf_key = leaf.pop("key", None) or ec.generate_private_key(ec.SECP256R1())
        options: dict[str, Any] = {"ca": False, "marker": LEAF_OID, **leaf}
        leaf_certificate = _certificate(
            "Test StoreKit Signing",
            leaf_key,
            issuer="Test WWDR - G6",
            issuer_key=intermediate_key,
            **options,
        )
        return cls(
            root, root_key, intermediate, intermediate_key, leaf_certificate, leaf_key
        )

    @property
    def root_der(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.DER)

    def chain(self) -> list[x509.Certificate]:
        return [self.leaf, self.intermediate, self.root]

    def sign(
        self,
        payload: dict[str, Any] | bytes,
        *,
        header: dict[str, Any] | None = None,
        chain: list[x509.Certificate] | None = None,
        key: ec.EllipticCurvePrivateKey | None = None,
    ) -> str:
        """A compact JWS of ``payload`` signed ES256 by the leaf (or ``key``)."""
        x5c = [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
            for c in (chain or self.chain())
        ]
        head = {"alg": "ES256", "x5c": x5c, **(header or {})}
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        signing_input = f"{_b64url(json.dumps(head).encode())}.{_b64url(body)}"
        der = (key or self.leaf_key).sign(
            signing_input.encode(), ec.ECDSA(hashes.SHA256())
        )
        r, s = decode_dss_signature(der)
        size = ((key or self.leaf_key).curve.key_size + 7) // 8
        raw = r.to_bytes(size, "big") + s.to_bytes(size, "big")
        return f"{signing_input}.{_b64url(raw)}"


def transaction(**fields: Any) -> dict[str, Any]:
    """A StoreKit 2 transaction payload (``JWSTransactionDecodedPayload``)."""
    payload: dict[str, Any] = {
        "transactionId": "2000000123456789",
        "originalTransactionId": "2000000123456789",
        "bundleId": BUNDLE,
        "productId": "com.baolife.diamonds.550",
        "purchaseDate": NOW - 60_000,
        "originalPurchaseDate": NOW - 60_000,
        "quantity": 1,
        "type": "Consumable",
        "inAppOwnershipType": "PURCHASED",
        "signedDate": NOW - 30_000,
        "environment": "Production",
        "transactionReason": "PURCHASE",
        "storefront": "USA",
        "storefrontId": "143441",
        "price": 4990,
        "currency": "USD",
    }
    payload.update(fields)
    return {key: value for key, value in payload.items() if value is not None}


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki.create()


@pytest.fixture(scope="module")
def verifier(pki: Pki) -> AppStoreReceiptVerifier:
    return AppStoreReceiptVerifier(BUNDLE, root_certificate=pki.root_der)


def refused(verifier: AppStoreReceiptVerifier, signed: str, at: int = NOW) -> str:
    """The message of the ``ReceiptError`` that ``signed`` raises."""
    with pytest.raises(ReceiptError) as raised:
        verifier.verify(signed, at=at)
    return str(raised.value)


class TestAppStoreValid:
    """A genuine-shaped signed transaction verifies and maps to ``VerifiedPurchase``."""

    def test_production_purchase(
        self, pki: Pki, verifier: AppStoreReceiptVerifier
    ) -> None:
        """The payload's fields, with the environment in lowercase."""
        expected = VerifiedPurchase(
            product_id="com.baolife.diamonds.550",
            transaction_id="2000000123456789",
            original_transaction_id="2000000123456789",
            environment="production",
            purchased_at=NOW - 60_000,
            revoked=False,
        )
        assert expected == verifier.verify(pki.sign(transaction()), at=NOW)

    def test_sandbox_purchase(
        self, pki: Pki, verifier: AppStoreReceiptVerifier
    ) -> None:
        """Sandbox (App Review, TestFlight) is accepted by default."""
        signed = pki.sign(transaction(environment="Sandbox"))
        assert "sandbox" == verifier.verify(signed, at=NOW).environment

    def test_revocation_date_means_revoked(
        self, pki: Pki, verifier: AppStoreReceiptVerifier
    ) -> None:
        """A refunded transaction verifies, marked revoked."""
        signed = pki.sign(transaction(revocationDate=NOW - 1000, revocationReason=0))
        assert verifier.verify(signed, at=NOW).revoked

    def test_quantity_may_be_absent(
        self, pki: Pki, verifier: AppStoreReceiptVerifier
    ) -> None:
        """No ``quantity`` means one."""
        signed = pki.sign(transaction(quantity=None))
        assert "2000000123456789" == verifier.verify(signed, at=NOW).transaction_id

    def test_pem_root_is_accepted(self, pki: Pki) -> None:
        """The trust anchor may be given as PEM."""
        pem = pki.root.public_bytes(serialization.Encoding.PEM)
        verifier = AppStoreReceiptVerifier(BUNDLE, root_certificate=pem)
        assert not verifier.verify(pki.sign(transaction()), at=NOW).revoked

    def test_validity_bounds_are_inclusive(self) -> None:
        """A leaf valid from ``at`` or until ``at`` is valid at ``at``."""
        for bounds in ({"not_before": NOW_DT}, {"not_after": NOW_DT}):
            pki = Pki.create(**bounds)
            verifier = AppStoreReceiptVerifier(BUNDLE, root_certificate=pki.root_der)
            verifier.verify(pki.sign(transaction()), at=NOW)


class TestAppStoreChain:
    """The certificate chain must lead to the pinned root, with Apple's markers."""

    def test_wrong_root(self, verifier: AppStoreReceiptVerifier) -> None:
        """A complete, valid chain under another root is refused."""
        other = Pki.create("Another Root")
        assert "does not end at the trusted root" in refused(
            verifier, other.sign(transaction())
        )

    def test_default_root_is_apple(self, pki: Pki) -> None:
        """Without a configured root, only Apple Root CA - G3 is trusted."""
        verifier = AppStoreReceiptVerifier(BUNDLE)
        assert "does not end at the trusted root" in refused(
            verifier, pki.sign(transaction())
        )

    def test_apple_root_is_the_published_certificate(self) -> None:
        """The bundled root has Apple's published SHA-256 fingerprint."""
        expected = "63343abfb89a6a03ebb57e9b3f5fa7be7c4f5c756f3017b3a8c488c3653e9179"
        assert expected == hashlib.sha256(APPLE_ROOT_CA_G3).hexdigest()
        root = x509.load_der_x509_certificate(APPLE_ROOT_CA_G3)
        assert "CN=Apple Root CA - G3" in root.subject.rfc4514_string()

    def test_leaf_not_signed_by_the_intermediate(
        self, pki: Pki, verifier: AppStoreReceiptVerifier
    ) -> None:
        """A leaf from another intermediate breaks the chain."""
        stranger = Pki.create()
        chain = [stranger.leaf, pki.intermediate, pki.root]
        signed = pki.sign(transaction(), chain=chain, key=stranger.leaf_key)
        assert "the leaf certificate is not signed by the intermediate" == refused(
            verifier, signed
        )

    def test_intermediate_not_signed_by_the_root(
        self, pki: Pki, verifier: AppStoreReceiptVerifier
    ) -> None:
        """An intermediate from another root breaks the chain, even if pinned root."""
        stranger = Pki.create(name=pki.root.subject.rfc4514_string()[3:])
        chain = [stranger.leaf, stranger.intermediate, pki.root]
        signed = pki.sign(transaction(), chain=chain, key=stranger.leaf_key)
        assert "the intermediate certificate is not signed by the root" == refused(
            verifier, signed
        )

    @pytest.mark.parametrize(
        ("bounds", "at"),
        [
            ({"not_after": NOW_DT - DAY}, NOW),
            ({"not_before": NOW_DT + DAY}, NOW),
            ({}, NOW + 400 * 24 * 3600 * 1000),
        ],
        ids=["expired", "not-yet-valid", "verified-too-late"],
    )
    def test_leaf_outside_its_validity(self, bounds: dict[str, Any], at: int) -> None:
        """The leaf must be valid at the request's instant."""
        pki = Pki.create(**bounds)
        verifier = AppStoreReceiptVerifier(BUNDLE, root_certificate=pki.root_der)
        assert "certificate is not valid at" in refused(
            verifier, pki.sign(transaction()), at=at
        )

    def test_leaf_without_apple_marker(self) -> None:
        """A leaf without 1.2.840.113635.100.6.11.1 is not a receipt signer."""
        pki = Pki.create(marker=None)
        verifier = AppStoreReceiptVerifier(BUNDLE, root_certificate=pki.root_der)
        assert (
            "the leaf certificate lacks Apple's 1.2.840.113635.100.6.11.1 extension"
            == refused(verifier, pki.sign(transaction()))
        )

    def test_intermediate_without_apple_marker(self, pki: Pki) -> None:
        """An intermediate without 1.2.840.113635.100.6.2.1 is refused."""
        intermediate_key = ec.generate_private_key(ec.SECP384R1())
        issuer = pki.root.subject.rfc4514_string()[3:]
        intermediate = _certificate(
            "Test WWDR - G6",
            intermediate_key,
            issuer=issuer,
            issuer_key=pki.root_key,
            ca=True,
        )
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        leaf = _certificate(
            "Leaf",
            leaf_key,
            issuer="Test WWDR - G6",
            issuer_key=intermediate_key,
            ca=False,
            marker=LEAF_OID,
        )
        verifier = AppStoreReceiptVerifier(BUNDLE, root_certificate=pki.root_der)
        signed = pki.sign(
            transaction(), chain=[leaf, intermediate, pki.root], key=leaf_key
        )
        assert (
            "the intermediate certificate lacks Apple's 1.2.840.113635.100.6.2.1 "
            "extension" == refused(verifier, signed)
        )

    def test_intermediate_must_be_a_ca(self, pki: Pki) -> None:
        """An end-entity certificate cannot act as the intermediate."""
        intermediate_key = ec.generate_private_key(ec.SECP384R1())
        intermediate = _certificate(
            "Test WWDR - G6",
            intermediate_key,
            issuer=pki.root.subject.rfc4514_string()[3:],
            issuer_key=pki.root_key,
            ca=False,
            marker=INTERMEDIATE_OID,
        )
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        leaf = _certificate(
            "Leaf",
            leaf_key,
            issuer="Test WWDR - G6",
            issuer_key=intermediate_key,
            ca=False,
            marker=LEAF_OID,
        )
        verifier = AppStoreReceiptVerifier(BUNDLE, root_certificate=pki.root_der)
        signed = pki.sign(
            transaction(), chain=[leaf, intermediate, pki.root], key=leaf_key
        )
        assert "the intermediate certificate is not a CA" == refused(verifier, signed)

    def test_leaf_key_must_be_p256(self) -> None:
        """ES256 is ECDSA on P-256: a P-384 leaf is refused."""
        pki = Pki.create(key=ec.generate_private_key(ec.SECP384R1()))
        verifier = AppStoreReceiptVerifier(BUNDLE, root_certificate=pki.root_der)
        assert "the leaf certificate's key is not a P-256 key" == refused(
            verifier, pki.sign(transaction())
        )

    @pytest.mark.parametrize("count", [0, 1, 2, 4])
    def test_chain_must_have_three_certificates(
        self, pki: Pki, verifier: AppStoreReceiptVerifier, count: int
    ) -> None:
        """``x5c`` holds exactly leaf, intermediate and root."""
        chain = (pki.chain() * 2)[:count]
        header = {"x5c": []} if count == 0 else None
        signed = pki.sign(transaction(), chain=chain or None, header=header)
        assert "the JWS x5c header must hold exactly 3 certificates" == refused(
            verifier, signed
        )

    @pytest.mark.parametrize(
        ("x5c", "expected"),
        [
            (None, "the JWS x5c header must hold exactly 3 certificates"),
            ("MIIB", "the JWS x5c header must hold exactly 3 certificates"),
            ([1, 2, 3], "x5c[0] is not a string"),
            (["***", "a", "b"], "x5c[0] is not a base64 DER certificate"),
            (["aGVsbG8=", "a", "b"], "x5c[0] is not a base64 DER certificate"),
        ],
        ids=["missing", "string", "numbers", "not-base64", "not-der"],
    )
    def test_malformed_chain(
        self, pki: Pki, verifier: AppStoreReceiptVerifier, x5c: Any, expected: str
    ) -> None:
        """A chain that is not three base64 DER certificates is refused."""
        signed = pki.sign(transaction(), header={"x5c": x5c})
        assert expected == refused(verifier, signed)


class TestAppStoreSignature:
    """The ES256 signature must verify with the leaf's key."""

    def test_tampered_payload(
        self, pki: Pki, verifier: AppStoreReceiptVerifier
    ) -> None:
        """Changing a signed payload (a bigger product) breaks the signature."""
        header, _, signature = pki.sign(transaction()).split(".")
        forged = _b64url(
            json.dumps(transaction(productId="com.baolife.diamonds.7000")).encode()
        )
        assert "the JWS signature does not verify with the leaf certificate" == (
            refused(verifier, f"{header}.{forged}.{signature}")
        )

    def test_signed_by_another_key(
        self, pki: Pki, verifier: AppStoreReceiptVerifier
    ) -> None:
        """Apple's chain with someone else's signature is refused."""
        signed = pki.sign(transaction(), key=ec.generate_private_key(ec.SECP256R1()))
        assert "does not verify" in refused(verifier, signed)

    @pytest.mark.parametrize("length", [0, 63, 65, 72])
    def test_signature_must_be_64_bytes(
        self, pki: Pki, verifier: AppStoreReceiptVerifier, length: int
    ) -> None:
        """A DER-encoded or truncated signature is not a JWS ES256 signature."""
        header, payload, _ = pki.sign(transaction()).split(".")
        signed = f"{header}.{payload}.{_b64url(b'x' * length)}"
        assert "the ES256 signature must be 64 bytes (r || s)" == refused(
            verifier, signed
        )


class TestAppStoreHeader:
    """The JWS header: ES256 only, no critical extensions."""

    @pytest.mark.parametrize("alg", ["none", "HS256", "ES384", "RS256", None, 256])
    def test_wrong_alg(
        self, pki: Pki, verifier: AppStoreReceiptVerifier, alg: Any
    ) -> None:
        """Only ES256 is accepted (no ``none``, no HMAC confusion)."""
        signed = pki.sign(transaction(), header={"alg": alg})
        assert refused(verifier, signed).startswith("the JWS alg must be ES256")

    def test_critical_header(self, pki: Pki, verifier: AppStoreReceiptVerifier) -> None:
        """A ``crit`` header names extensions nothing here understands."""
        signed = pki.sign(transaction(), header={"crit": ["exp"], "exp": 1})
        assert "the JWS header has critical extensions" == refused(verifier, signed)


class TestAppStoreMalformed:
    """Anything that is not a compact JWS is refused with a clear reason."""

    @pytest.mark.parametrize(
        ("signed", "expected"),
        [
            ("", "the signed transaction is not a compact JWS"),
            ("a.b", "the signed transaction is not a compact JWS"),
            ("a.b.c.d", "the signed transaction is not a compact JWS"),
            ("***.e30.AA", "the JWS header is not base64url"),
            ("a.e30.AA", "the JWS header is not base64url"),
            (_b64url(b"nope") + ".e30.AA", "the JWS header is not JSON"),
            (_b64url(b"[1]") + ".e30.AA", "the JWS header is not a JSON object"),
            (_b64url(b"\xff") + ".e30.AA", "the JWS header is not JSON"),
        ],
        ids=[
            "empty",
            "two-parts",
            "four-parts",
            "bad-alphabet",
            "bad-length",
            "header-not-json",
            "header-array",
            "header-not-utf8",
        ],
    )
    def test_structure(
        self, verifier: AppStoreReceiptVerifier, signed: str, expected: str
    ) -> None:
        """Three base64url parts, the first a JSON object."""
        assert expected == refused(verifier, signed)

    def test_payload_not_json(
        self, pki: Pki, verifier: AppStoreReceiptVerifier
    ) -> None:
        """A validly signed payload that is not JSON is refused."""
        assert "the JWS payload is not JSON" == refused(verifier, pki.sign(b"not json"))

    def test_payload_not_an_object(
        self, pki: Pki, verifier: AppStoreReceiptVerifier
    ) -> None:
        """A validly signed JSON array is refused."""
        assert "the JWS payload is not a JSON object" == refused(
            verifier, pki.sign(b"[]")
        )

    def test_too_long(self, verifier: AppStoreReceiptVerifier) -> None:
        """More than 16 KiB is refused before any parsing."""
        signed = "a" * (MAX_SIGNED_TRANSACTION + 1)
        assert "exceeds" in refused(verifier, signed)

    def test_not_a_string(self, verifier: AppStoreReceiptVerifier) -> None:
        """A non-string is refused, not a crash."""
        assert "must be a string" in refused(verifier, 42)  # type: ignore[arg-type]


class TestAppStorePayload:
    """The payload must be this app's, from an accepted environment, complete."""

    def test_wrong_bundle(self, pki: Pki, verifier: AppStoreReceiptVerifier) -> None:
        """Another app's transaction is refused."""
        signed = pki.sign(transaction(bundleId="com.example.other"))
        assert "the transaction is for bundle 'com.example.other', not this app's" == (
            refused(verifier, signed)
        )

    @pytest.mark.parametrize("environment", ["Xcode", "LocalTesting", None, 1])
    def test_unaccepted_environment(
        self, pki: Pki, verifier: AppStoreReceiptVerifier, environment: Any
    ) -> None:
        """Xcode's local StoreKit testing and unknown values are refused."""
        signed = pki.sign(transaction(environment=environment))
        assert "environment is not accepted" in refused(verifier, signed)

    def test_production_only(self, pki: Pki) -> None:
        """A server configured for Production alone refuses Sandbox."""
        verifier = AppStoreReceiptVerifier(
            BUNDLE, root_certificate=pki.root_der, environments=("Production",)
        )
        signed = pki.sign(transaction(environment="Sandbox"))
        assert "the 'Sandbox' environment is not accepted by this server" == refused(
            verifier, signed
        )

    @pytest.mark.parametrize("quantity", [2, 0, "1", True])
    def test_quantity_other_than_one(
        self, pki: Pki, verifier: AppStoreReceiptVerifier, quantity: Any
    ) -> None:
        """One purchase, one pack: a multi-quantity purchase is not credited."""
        signed = pki.sign(transaction(quantity=quantity))
        assert "is not supported" in refused(verifier, signed)

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({"productId": None}, "the payload's productId must be a non-empty string"),
            ({"productId": 5}, "the payload's productId must be a non-empty string"),
            ({"transactionId": ""}, "transactionId must be a non-empty string"),
            ({"originalTransactionId": None}, "originalTransactionId must be"),
            ({"purchaseDate": None}, "the payload's purchaseDate must be an instant"),
            ({"purchaseDate": "1700000000000"}, "purchaseDate must be an instant"),
            ({"purchaseDate": -1}, "purchaseDate must be an instant in ms"),
            ({"revocationDate": "yesterday"}, "revocationDate must be an integer"),
        ],
        ids=[
            "no-product",
            "numeric-product",
            "empty-transaction",
            "no-original",
            "no-date",
            "string-date",
            "negative-date",
            "bad-revocation",
        ],
    )
    def test_incomplete_payload(
        self,
        pki: Pki,
        verifier: AppStoreReceiptVerifier,
        fields: dict[str, Any],
        expected: str,
    ) -> None:
        """Each required field must be present and typed."""
        assert expected in refused(verifier, pki.sign(transaction(**fields)))


class TestAppStoreConfiguration:
    """The constructor refuses settings it cannot honour."""

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"bundle_id": ""}, "bundle_id"),
            ({"environments": ()}, "environments"),
            ({"environments": ("Xcode",)}, "environments"),
            ({"root_certificate": b"not a certificate"}, None),
        ],
        ids=["no-bundle", "no-environments", "xcode", "bad-root"],
    )
    def test_refused(self, kwargs: dict[str, Any], match: str | None) -> None:
        """A ``ValueError`` at construction, never a verifier that cannot verify."""
        options = {"bundle_id": BUNDLE, **kwargs}
        with pytest.raises(ValueError, match=match):
            AppStoreReceiptVerifier(**options)


class TestDevelopment:
    """``DevelopmentReceiptVerifier``: unsigned purchases for local play."""

    def test_accepts_the_documented_format(self) -> None:
        """``dev:<product_id>:<transaction_id>``, dated ``at``."""
        expected = VerifiedPurchase(
            product_id="com.baolife.diamonds.100",
            transaction_id="dev-1:a",
            original_transaction_id="dev-1:a",
            environment="development",
            purchased_at=NOW,
            revoked=False,
        )
        verifier = DevelopmentReceiptVerifier()
        assert expected == verifier.verify(
            "dev:com.baolife.diamonds.100:dev-1:a", at=NOW
        )

    @pytest.mark.parametrize(
        "signed", ["", "dev:", "dev:p", "dev:p:", "dev::t", "prod:p:t", "eyJ.a.b"]
    )
    def test_refuses_anything_else(self, signed: str) -> None:
        """Every other string is a ``ReceiptError`` naming the format."""
        with pytest.raises(ReceiptError, match="dev:<product_id>:<transaction_id>"):
            DevelopmentReceiptVerifier().verify(signed, at=NOW)

    def test_refuses_everything_in_production(self) -> None:
        """Constructed for production, it accepts nothing at all."""
        verifier = DevelopmentReceiptVerifier(production=True)
        with pytest.raises(ReceiptError, match="refused in production"):
            verifier.verify("dev:com.baolife.diamonds.100:1", at=NOW)


class TestMakeVerifier:
    """The composition root picks the verifier from the settings."""

    def test_development_by_default(self) -> None:
        """Without ``BAOLIFE_ENV=production`` local play uses the dev verifier."""
        verifier = make_verifier(Settings.from_env({}))
        assert isinstance(verifier, DevelopmentReceiptVerifier)
        assert not verifier.production

    def test_production_needs_a_bundle_id(self) -> None:
        """Production without ``BAOLIFE_APPSTORE_BUNDLE_ID`` is a clear error."""
        settings = Settings.from_env(
            {"BAOLIFE_ENV": "production", "BAOLIFE_TOKEN_SECRET": "s"}
        )
        with pytest.raises(SettingsError, match="BAOLIFE_APPSTORE_BUNDLE_ID"):
            make_verifier(settings)

    def test_production_uses_the_app_store(self) -> None:
        """The bundle id and Apple's root, both environments by default."""
        settings = Settings.from_env(
            {
                "BAOLIFE_ENV": "production",
                "BAOLIFE_TOKEN_SECRET": "s",
                "BAOLIFE_APPSTORE_BUNDLE_ID": BUNDLE,
            }
        )
        verifier = make_verifier(settings)
        assert isinstance(verifier, AppStoreReceiptVerifier)
        assert (BUNDLE, frozenset({"Production", "Sandbox"})) == (
            verifier.bundle_id,
            verifier.environments,
        )
        assert APPLE_ROOT_CA_G3 == verifier.root.public_bytes(
            serialization.Encoding.DER
        )

    def test_root_certificate_and_environments(self, tmp_path: Path, pki: Pki) -> None:
        """``BAOLIFE_APPSTORE_ROOT_CERT`` (PEM) and ``..._ENVIRONMENTS`` apply."""
        root = tmp_path / "root.pem"
        root.write_bytes(pki.root.public_bytes(serialization.Encoding.PEM))
        settings = Settings.from_env(
            {
                "BAOLIFE_ENV": "production",
                "BAOLIFE_TOKEN_SECRET": "s",
                "BAOLIFE_APPSTORE_BUNDLE_ID": BUNDLE,
                "BAOLIFE_APPSTORE_ROOT_CERT": str(root),
                "BAOLIFE_APPSTORE_ENVIRONMENTS": "Production",
            }
        )
        verifier = make_verifier(settings)
        assert (
            "production" == verifier.verify(pki.sign(transaction()), at=NOW).environment
        )
        with pytest.raises(ReceiptError, match="Sandbox"):
            verifier.verify(pki.sign(transaction(environment="Sandbox")), at=NOW)

    @pytest.mark.parametrize("content", [None, b"garbage"], ids=["missing", "garbage"])
    def test_unusable_root_certificate(
        self, tmp_path: Path, content: bytes | None
    ) -> None:
        """A root file that cannot be read or parsed stops the start."""
        root = tmp_path / "root.der"
        if content is not None:
            root.write_bytes(content)
        settings = Settings.from_env(
            {
                "BAOLIFE_ENV": "production",
                "BAOLIFE_TOKEN_SECRET": "s",
                "BAOLIFE_APPSTORE_BUNDLE_ID": BUNDLE,
                "BAOLIFE_APPSTORE_ROOT_CERT": str(root),
            }
        )
        with pytest.raises(SettingsError):
            make_verifier(settings)

    def test_unknown_environment_name(self) -> None:
        """A typo in ``BAOLIFE_APPSTORE_ENVIRONMENTS`` is a settings error."""
        with pytest.raises(SettingsError, match="BAOLIFE_APPSTORE_ENVIRONMENTS"):
            Settings.from_env({"BAOLIFE_APPSTORE_ENVIRONMENTS": "Production,Sandbx"})
