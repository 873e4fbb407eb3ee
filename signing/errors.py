"""Exception types shared by the signing package.

Every verification failure is a ``VerificationError`` (a ``ValueError``) whose message says
what failed, so callers can show it to an auditor as is.
"""

from __future__ import annotations


class VerificationError(ValueError):
    """Something did not verify; the message names what and why."""


class ProofError(VerificationError):
    """A Merkle inclusion or consistency proof is malformed or does not verify."""


class NoteError(VerificationError):
    """A signed note or checkpoint is malformed or its signatures do not verify."""


class LeafError(VerificationError):
    """A record leaf is malformed, or its record signature does not verify."""


class ReceiptError(VerificationError):
    """A receipt is malformed or one of its checks failed."""


class WitnessError(VerificationError):
    """A witness refused to cosign a checkpoint."""


class KeyStoreError(Exception):
    """The key store cannot do what was asked (missing key, retired key, bad passphrase)."""
