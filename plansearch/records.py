"""Typed records passed between stages: plans, passages, indicators."""
from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, Field


class Kind(str, Enum):
    target = "target"
    measure = "measure"
    implementation = "implementation"
    overview = "overview"


KIND_LABELS = {
    Kind.target: "主要目标",
    Kind.measure: "策略措施",
    Kind.implementation: "组织实施",
    Kind.overview: "总体",
}


class PlanMeta(BaseModel):
    """One plan as described by the corpus manifest (or guessed from its title)."""

    id: str
    title: str
    short_name: str = Field(description="what the plan is called in context, e.g. 大庆市")
    province: str = ""
    city: str = ""
    county: str = ""
    admin_level: str = ""
    period: str = ""
    subject: str = Field(description="儿童 or 妇女")
    status: str = "正式"
    source_file: str
    start_line: int = 1
    end_line: int | None = None
    aliases: list[str] = Field(default_factory=list)
    guessed: bool = Field(False, description="true when no manifest entry described this plan")
    doc_number: str = Field("", description="发文字号 of the plan or its covering notice, e.g. 曾政发〔2022〕8号")
    issuer: str = Field("", description="issuing office, e.g. 曾都区人民政府")
    date: str = Field("", description="date issued or signed, ISO (2022-12-29)")
    region_ambiguous: bool = Field(False, description="the place name fits several divisions and nothing told them apart")
    warnings: list[str] = Field(default_factory=list, description="what the details finder was unsure of")

    @property
    def region(self) -> str:
        return "".join(part for part in (self.province, self.city, self.county) if part)


class SourceSpan(BaseModel):
    """Where a passage stands in its file: lines of a text file, page and line of a PDF,
    paragraphs of a Word file or web page. Fields that do not apply to the format are null."""

    file: str
    line_start: int | None = None
    line_end: int | None = None
    page: int | None = None
    page_end: int | None = None
    paragraph: int | None = None
    paragraph_end: int | None = None

    def where(self) -> str:
        """The place in words a reader of the original can follow: 第12页第3–9行, 第204–206段, 第69–75行."""
        def span(a: int | None, b: int | None, unit: str) -> str:
            if a is None:
                return ""
            return f"第{a}{unit}" if b in (None, a) else f"第{a}–{b}{unit}"

        if self.page is not None:
            pages = span(self.page, self.page_end, "页")
            if self.line_start is not None and self.page_end in (None, self.page):
                return pages + span(self.line_start, self.line_end, "行")
            return pages + (f"第{self.line_start}行起" if self.line_start is not None else "")
        if self.paragraph is not None:
            return span(self.paragraph, self.paragraph_end, "段")
        return span(self.line_start, self.line_end, "行")


class Passage(BaseModel):
    """A measure-level unit of a plan, with its place in the plan's structure."""

    id: str
    plan_id: str
    chapter: str
    domain: str | None = None
    kind: Kind
    number: int | None = None
    title: str | None = None
    text: str = Field(description="the original wording, for quoting")
    source: SourceSpan
    position: int = Field(description="order of the passage within its plan")
    section: list[str] = Field(default_factory=list,
                               description="the heading lines above the passage, in order, as written")


class IndicatorRow(BaseModel):
    """One row of a flattened indicator summary table (kept as data, never as structure)."""

    domain: str
    indicator: str
    value: str
    attribute: str
    line: int
    year: int | None = None       # the year its column names, where a table gives one column a milestone


class ParsedPlan(BaseModel):
    meta: PlanMeta
    domains: list[str]
    passages: list[Passage]
    indicator_table: list[IndicatorRow] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class Indicator(BaseModel):
    """One quantitative target of one plan, for one year."""

    name: str
    name_as_written: str
    value: str
    number: float
    unit: str
    direction: str
    bound: str | None = None
    year: int | None = None
    year_inferred: bool = False
    baseline: str | None = None
    attribute: str | None = None
    plan_id: str
    passage_id: str | None = None
    table_line: int | None = None
    implausible: bool = False
    note: str | None = None
