"""Public models that show a passage or an indicator with its plan (Hit, PassageDetail, Version, ExportItem,
TargetRow), built from the records' own fields: each view names its fields in JSON order, and the type and
description of each come from Passage, Indicator or PlanRef, so a field changed there reaches every view that
shows it. `view(Model, …)` fills one from a passage (or indicator) and its plan, or from another view."""
from __future__ import annotations

import sys
from typing import Any, TypeVar

from pydantic import BaseModel, Field, create_model

from plansearch.records import Indicator, Passage, PlanMeta

M = TypeVar("M", bound=BaseModel)


class PlanRef(BaseModel):
    """What a view says about the plan a passage or indicator belongs to."""

    plan_id: str
    plan_title: str
    short_name: str
    region: str


RENAMED = {Passage: {"passage_id": "id"}, Indicator: {"indicator_as_written": "name_as_written"}}


def view_model(name: str, fields: str, record: type[BaseModel] = Passage, doc: str | None = None,
               **extra: tuple[Any, Any]) -> type[BaseModel]:
    """A model `name` with `fields` (space-separated, in JSON order), each from `record` (passage_id is the
    passage's id; indicator_as_written the indicator's name as written), else from PlanRef, else from `extra`
    (name → (type, default or Field))."""
    renamed = RENAMED.get(record, {})
    definitions: dict[str, Any] = {}
    for field in fields.split():
        if field in extra:
            definitions[field] = extra[field]
            continue
        source = renamed.get(field, field)
        holder = record if source in record.model_fields else PlanRef
        info = holder.model_fields[field if holder is PlanRef else source]
        # a view states every field: required, save lists, which default to empty
        definitions[field] = (info.annotation, Field(description=info.description) if info.default_factory is None
                              else Field(default_factory=info.default_factory, description=info.description))
    caller = sys._getframe(1).f_globals.get("__name__", __name__)
    return create_model(name, __doc__=doc, __module__=caller, **definitions)


def plan_ref(meta: PlanMeta) -> PlanRef:
    return PlanRef(plan_id=meta.id, plan_title=meta.title, short_name=meta.short_name, region=meta.region)


def view(model: type[M], *sources: BaseModel, **values: Any) -> M:
    """`model` filled from `sources` (a Passage, an Indicator, a PlanMeta, another view; the first that has a
    field gives it) and `values` (the view's own fields)."""
    given: dict[str, Any] = {}
    for source in sources:
        if isinstance(source, PlanMeta):
            source = plan_ref(source)
        renamed = RENAMED.get(type(source), {})
        for field in model.model_fields:
            name = renamed.get(field, field)
            if field not in given and field not in values and name in type(source).model_fields:
                given[field] = getattr(source, name)
    return model(**given, **values)
