"""Domain errors: the service raises them, the API maps them to HTTP, the bot to a polite sentence."""


class DomainError(Exception):
    """Base of every rule violation. `code` is stable and machine-readable."""

    code = "domain_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class IllegalTransition(DomainError):
    code = "illegal_transition"


class ValidationFailed(DomainError):
    """Bad input: `details['field']` names the field."""

    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class PermissionDenied(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    """A concurrent change won (e.g. two staff claimed the same case)."""

    code = "conflict"


class ClientKeyReused(Conflict):
    """A client_key sent again with a different case: the key names the first case only."""

    code = "client_key_reused"
