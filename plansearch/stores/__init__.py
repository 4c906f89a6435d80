"""The stores behind plansearch.index.PassageIndex; the only package that names a concrete store."""
