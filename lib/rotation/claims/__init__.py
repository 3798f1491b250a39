"""Claims files, the measure of each claim kind, the verdict rule and the evaluation of a claim."""
