//! The tail probability the spike detector needs: counts of negatives
//! that arrive in clusters.

/// Clusters per window above which the count is summed as a normal
/// variable: the recursion's first term, e^(−rate), would underflow near
/// 745, and with this many clusters their sum is close to normal.
const MANY_CLUSTERS: f64 = 100.0;

/// Largest count summed term by term (the recursion is O(k²)); a larger
/// count's tail is bounded by this one's.
const MOST_TERMS: u32 = 2_000;

/// P(X ≥ k) for X a count of negatives arriving in clusters: clusters
/// arrive as a Poisson process and each holds a geometric number of
/// mentions (1, 2, 3, ... with mean m), the Pólya–Aeppli distribution. Its
/// mean is the clusters' rate times m and its variance over mean
/// (`dispersion`) is 2m − 1, so both parameters follow from `mean` and
/// `dispersion`; a dispersion of 1 is the Poisson distribution. Summed by
/// Panjer's recursion, O(k²) up to 2,000 terms; with more than
/// a hundred clusters expected, by the normal approximation with
/// the same mean and variance.
pub fn clustered_tail(mean: f64, dispersion: f64, k: u32) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if mean <= 0.0 {
        return 0.0;
    }
    let dispersion = dispersion.max(1.0);
    let m = (dispersion + 1.0) / 2.0;
    let theta = 1.0 - 1.0 / m;
    let rate = mean / m;
    if rate > MANY_CLUSTERS {
        // Continuity-corrected: P(X ≥ k) ≈ P(Z ≥ (k − ½ − mean) / sd).
        let z = (f64::from(k) - 0.5 - mean) / (dispersion * mean).sqrt();
        return 0.5 * erfc(z / std::f64::consts::SQRT_2);
    }
    let k = k.min(MOST_TERMS) as usize;
    // P(X = j) for j < k; f(i) = (1 − θ) θ^(i − 1), the cluster sizes.
    let mut pmf = Vec::with_capacity(k);
    pmf.push((-rate).exp());
    for j in 1..k {
        let mut sum = 0.0;
        let mut size = 1.0 - theta;
        for i in 1..=j {
            sum += i as f64 * size * pmf[j - i];
            size *= theta;
        }
        pmf.push(rate / j as f64 * sum);
    }
    (1.0 - pmf.iter().sum::<f64>()).max(0.0)
}

/// The complementary error function, to about 1.2·10⁻⁷ relative
/// (Numerical Recipes' `erfcc`, a Chebyshev fit).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clustered_counts_have_heavier_tails() {
        // Dispersion 1 is Poisson: P(X ≥ 3 | 1) = 1 − 2.5/e, and
        // P(X ≥ 5 | 0.25) summed by hand.
        let poisson = clustered_tail(1.0, 1.0, 3);
        assert!((poisson - (1.0 - 2.5 / std::f64::consts::E)).abs() < 1e-12);
        let quiet: f64 = 1.0
            - (0..5)
                .map(|k| {
                    (-0.25f64).exp() * 0.25f64.powi(k) / [1.0, 1.0, 2.0, 6.0, 24.0][k as usize]
                })
                .sum::<f64>();
        assert!((clustered_tail(0.25, 1.0, 5) / quiet - 1.0).abs() < 1e-6);
        // Clusters of mean 2 (dispersion 3): half a cluster an hour;
        // P(X ≥ 1) = 1 − e^(−1/2), and the tail is far heavier than
        // Poisson's at the same mean.
        let one = clustered_tail(1.0, 3.0, 1);
        assert!((one - (1.0 - (-0.5f64).exp())).abs() < 1e-12);
        assert!(clustered_tail(1.0, 3.0, 8) > 100.0 * clustered_tail(1.0, 1.0, 8));
        // Mean 3.8, clusters of mean 2, at least 21: 8.1e-4, summed in
        // Python over the number of clusters n (Poisson) and the ways n
        // geometric sizes make k (negative binomial), not by recursion.
        let v = clustered_tail(3.8, 3.0, 21);
        assert!((v / 8.1e-4 - 1.0).abs() < 0.01, "{v}");
    }

    #[test]
    fn large_counts_are_judged_too() {
        // Where the recursion's first term underflows: a busy brand's
        // ordinary hour is unremarkable, a flood is not.
        assert!(clustered_tail(1_000.0, 1.0, 1_000) > 0.4);
        assert!(clustered_tail(1_000.0, 1.0, 20_000) < 1e-12);
        assert!(clustered_tail(1_000.0, 3.0, 1_250) < 1e-4);
        assert!(clustered_tail(1_000.0, 3.0, 1_150) > 1e-4);
        // A huge count at a quiet brand, bounded by the tail at the most
        // terms summed: tiny, and quick.
        assert!(clustered_tail(5.0, 1.0, 1_000_000) < 1e-12);
        // Normal tail by hand: P(Z ≥ 2) = 0.02275.
        assert!((0.5 * erfc(2.0 / std::f64::consts::SQRT_2) - 0.022_750).abs() < 1e-6);
    }
}
