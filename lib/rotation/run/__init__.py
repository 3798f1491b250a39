"""Executing notebooks: parameters, preflight, staging, kernels, the runner and sweeps."""
