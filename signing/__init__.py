"""Signing: keys, canonical JSON, signed records, the RFC 9162 Merkle log and its proofs.

This package depends on nothing of ours (only the standard library, ``cryptography``,
``rfc8785``, ``tqdm`` and, for SM2 keys, ``tongsuopy`` behind ``signing.sm2``), so an auditor can run the offline verifier without the
application, and so the proof code can be reviewed on its own.
"""
