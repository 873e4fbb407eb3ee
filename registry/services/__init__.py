"""Filing services: each public function is one filing in the caller's transaction.

Services check references and scope, write append-only rows, append the signed record to
the log through the context's ledger, and note the change in the change feed (§9).
"""
