//! The tail probability the spike detector needs: counts of negatives
//! that arrive in clusters.

/// P(X ≥ k) for X a count of negatives arriving in clusters: clusters
/// arrive as a Poisson process and each holds a geometric number of
/// mentions (1, 2, 3, ... with mean m), the Pólya–Aeppli distribution. Its
/// mean is the clusters' rate times m and its variance over mean
/// (`dispersion`) is 2m − 1, so both parameters follow from `mean` and
/// `dispersion`; a dispersion of 1 is the Poisson distribution. Summed by
/// Panjer's recursion, O(k²).
pub fn clustered_tail(mean: f64, dispersion: f64, k: u32) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if mean <= 0.0 {
        return 0.0;
    }
    let m = (dispersion.max(1.0) + 1.0) / 2.0;
    let theta = 1.0 - 1.0 / m;
    let rate = mean / m;
    let k = k as usize;
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
}
