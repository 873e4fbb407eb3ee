"""The application layer: the code that joins rules, registry and signing.

Seal use, casework, pack publication, compliance and analysis, the policy host of each worker,
the change monitor, the scheduler and notifications, the runtime that holds them, settings and
`onehall init`. No Flask here (an import-linter contract): web/ calls in from HTTP and the CLI.
"""
