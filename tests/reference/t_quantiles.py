#!/usr/bin/env python3
"""Independent reference for src/rollout/summary.rs `t_critical_975`: the 0.975 quantile of
Student's t distribution, by integrating its density (composite Simpson, standard library only)
and bisecting the CDF. Prints `df value` lines; tests/rollout_summary.rs holds a copy."""
import math

def pdf(x, df):
    c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(c - (df + 1) / 2 * math.log1p(x * x / df))

def cdf_upper_half(x, df, n=20000):
    # P(0 <= T <= x) by Simpson's rule
    h = x / n
    s = pdf(0, df) + pdf(x, df)
    for i in range(1, n):
        s += (4 if i % 2 else 2) * pdf(i * h, df)
    return s * h / 3

def quantile_975(df):
    lo, hi = 0.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if cdf_upper_half(mid, df) < 0.475:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2

for df in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 31, 40, 60, 120, 1000]:
    print(df, f"{quantile_975(df):.6f}")
