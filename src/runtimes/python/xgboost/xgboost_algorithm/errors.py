"""The algorithm toolkit's error classes: what the message says, and what the failure file and
the logs show. A message built with `caused_by` ends with " (caused by <ExceptionType>)"."""


class ToolkitError(Exception):
    def __init__(self, message=None, caused_by=None):
        if not message:
            message = str(caused_by) if caused_by else "unknown error occurred"
        if caused_by:
            message += " (caused by %s)" % type(caused_by).__name__
        super().__init__(message)
        self.message = message
        self.caused_by = caused_by


class UserError(ToolkitError):
    """Something the job's configuration or data can fix."""


class AlgorithmError(ToolkitError):
    """A failure inside the algorithm itself."""


class PlatformError(ToolkitError):
    """The environment does not meet the algorithm's requirements."""
