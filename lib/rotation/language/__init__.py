"""The claim language: composable primitives (``primitives``), queries built from them (``query``),
and the strict schema of a claims file (``schema``). See docs/check_another_article.md."""
