"""Library exceptions. Only the edges (HTTP service, CLI) translate them for users."""


class PlanSearchError(Exception):
    """Base class: the message is meant for the user, in one line."""


class CorpusError(PlanSearchError):
    """The corpus folder or its manifest is missing or malformed."""


class IndexMissing(PlanSearchError):
    """No index has been built at the configured location."""


class IndexMismatch(PlanSearchError):
    """The index on disk was built with another model, prompts, dictionary or format."""


class PlanNotFound(PlanSearchError):
    def __init__(self, plan_id: str, known: list[str]):
        super().__init__(f"未知的规划 id '{plan_id}'（unknown plan）；可用：{', '.join(known)}")
        self.plan_id = plan_id


class PassageNotFound(PlanSearchError):
    def __init__(self, passage_id: str):
        super().__init__(f"未找到段落 '{passage_id}'（unknown passage id）")
        self.passage_id = passage_id


class InvalidQuery(PlanSearchError):
    """A search parameter is out of range or unknown; `param` names it."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


class IndexCorrupt(PlanSearchError):
    """An index file does not match the checksum or size its build recorded: the build is refused."""


class IndexWriteError(PlanSearchError):
    """The index folder cannot be written (read-only, full disk, no permission); the served index is unchanged.
    `reason` is the system's word for it without a path (what an HTTP client is told)."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason


class IndexBusy(PlanSearchError):
    """Another writer holds the index: a second change at once is refused, not queued."""
