//! The Sobol' low-discrepancy sequence in base 2, with Joe & Kuo's direction numbers and
//! Matoušek's linear matrix scrambling plus a digital shift.
//!
//! Unscrambled, the points equal scipy's `qmc.Sobol(d, scramble=False).random(n)` exactly
//! (30 bits, Gray-code order, the first point is the origin): `tests/reference/
//! sobol_reference.py` writes scipy's points to `sobol_reference.json` and the tests below
//! compare. Scrambled, the method is scipy's `scramble=True` (a random lower-triangular
//! binary matrix with unit diagonal applied to every direction number of a dimension, then
//! a random XOR shift: J. Matoušek, "On the L2-discrepancy for anchored boxes", J. Complexity
//! 14 (1998); A. B. Owen, "Scrambling Sobol' and Niederreiter-Xing points", J. Complexity 14
//! (1998)), drawn from ablate's own [`Rng`] rather than numpy's, so the scrambled values are
//! ablate's own. Scrambling keeps the net structure: for n = 2^m points, every dimension
//! has exactly one point in each interval [k/2^m, (k+1)/2^m), and the first two dimensions
//! one in each elementary box of area 2^-m. That balance holds for powers of two only: other
//! n work, with less even coverage.
//!
//! Direction numbers: S. Joe and F. Y. Kuo, "Constructing Sobol' sequences with better
//! two-dimensional projections", SIAM J. Sci. Comput. 30 (2008), file new-joe-kuo-6.21201
//! (the first 64 dimensions; scipy ships the same file).

use crate::error::{Error, Result};
use crate::rng::Rng;

/// Bits per coordinate: points are multiples of 2^-30, and at most 2^30 of them exist.
pub(crate) const BITS: usize = 30;

/// The most dimensions the table covers.
pub(crate) const MAX_DIMS: usize = 64;

/// The most points one sequence holds.
pub(crate) const MAX_POINTS: u64 = 1 << BITS;

/// Joe & Kuo's dimensions 2..=64: the primitive polynomial (with its leading and constant
/// terms, so its degree s is the highest bit) and the initial direction numbers m_1..m_s.
/// Dimension 1 is the van der Corput sequence and needs no entry.
const DIRECTIONS: [(u32, &[u32]); MAX_DIMS - 1] = [
    (3, &[1]), (7, &[1, 3]), (11, &[1, 3, 1]), (13, &[1, 1, 1]), (19, &[1, 1, 3, 3]),
    (25, &[1, 3, 5, 13]), (37, &[1, 1, 5, 5, 17]), (41, &[1, 1, 5, 5, 5]),
    (47, &[1, 1, 7, 11, 19]), (55, &[1, 1, 5, 1, 1]), (59, &[1, 1, 1, 3, 11]),
    (61, &[1, 3, 5, 5, 31]), (67, &[1, 3, 3, 9, 7, 49]), (91, &[1, 1, 1, 15, 21, 21]),
    (97, &[1, 3, 1, 13, 27, 49]), (103, &[1, 1, 1, 15, 7, 5]), (109, &[1, 3, 1, 15, 13, 25]),
    (115, &[1, 1, 5, 5, 19, 61]), (131, &[1, 3, 7, 11, 23, 15, 103]),
    (137, &[1, 3, 7, 13, 13, 15, 69]), (143, &[1, 1, 3, 13, 7, 35, 63]),
    (145, &[1, 3, 5, 9, 1, 25, 53]), (157, &[1, 3, 1, 13, 9, 35, 107]),
    (167, &[1, 3, 1, 5, 27, 61, 31]), (171, &[1, 1, 5, 11, 19, 41, 61]),
    (185, &[1, 3, 5, 3, 3, 13, 69]), (191, &[1, 1, 7, 13, 1, 19, 1]),
    (193, &[1, 3, 7, 5, 13, 19, 59]), (203, &[1, 1, 3, 9, 25, 29, 41]),
    (211, &[1, 3, 5, 13, 23, 1, 55]), (213, &[1, 3, 7, 3, 13, 59, 17]),
    (229, &[1, 3, 1, 3, 5, 53, 69]), (239, &[1, 1, 5, 5, 23, 33, 13]),
    (241, &[1, 1, 7, 7, 1, 61, 123]), (247, &[1, 1, 7, 9, 13, 61, 49]),
    (253, &[1, 3, 3, 5, 3, 55, 33]), (285, &[1, 3, 1, 15, 31, 13, 49, 245]),
    (299, &[1, 3, 5, 15, 31, 59, 63, 97]), (301, &[1, 3, 1, 11, 11, 11, 77, 249]),
    (333, &[1, 3, 1, 11, 27, 43, 71, 9]), (351, &[1, 1, 7, 15, 21, 11, 81, 45]),
    (355, &[1, 3, 7, 3, 25, 31, 65, 79]), (357, &[1, 3, 1, 1, 19, 11, 3, 205]),
    (361, &[1, 1, 5, 9, 19, 21, 29, 157]), (369, &[1, 3, 7, 11, 1, 33, 89, 185]),
    (391, &[1, 3, 3, 3, 15, 9, 79, 71]), (397, &[1, 3, 7, 11, 15, 39, 119, 27]),
    (425, &[1, 1, 3, 1, 11, 31, 97, 225]), (451, &[1, 1, 1, 3, 23, 43, 57, 177]),
    (463, &[1, 3, 7, 7, 17, 17, 37, 71]), (487, &[1, 3, 1, 5, 27, 63, 123, 213]),
    (501, &[1, 1, 3, 5, 11, 43, 53, 133]), (529, &[1, 3, 5, 5, 29, 17, 47, 173, 479]),
    (539, &[1, 3, 3, 11, 3, 1, 109, 9, 69]), (545, &[1, 1, 1, 5, 17, 39, 23, 5, 343]),
    (557, &[1, 3, 1, 5, 25, 15, 31, 103, 499]), (563, &[1, 1, 1, 11, 11, 17, 63, 105, 183]),
    (601, &[1, 1, 5, 11, 9, 29, 97, 231, 363]), (607, &[1, 1, 5, 15, 19, 45, 41, 7, 383]),
    (617, &[1, 3, 7, 7, 31, 19, 83, 137, 221]), (623, &[1, 1, 1, 3, 23, 15, 111, 223, 83]),
    (631, &[1, 1, 5, 13, 31, 15, 55, 25, 161]), (637, &[1, 1, 3, 13, 25, 47, 39, 87, 257]),
];

/// A Sobol' sequence of a fixed dimension, scrambled or not.
#[derive(Debug, Clone)]
pub(crate) struct Sobol {
    /// Per dimension, the direction integers v_1..v_30 (scrambled when the sequence is).
    directions: Vec<[u32; BITS]>,
    /// Per dimension, the digital shift (0 unscrambled): the first point.
    shift: Vec<u32>,
}

impl Sobol {
    /// The plain sequence (scipy's `scramble=False`).
    pub(crate) fn unscrambled(dims: usize) -> Result<Sobol> {
        check_dims(dims)?;
        Ok(Sobol { directions: (0..dims).map(direction_integers).collect(), shift: vec![0; dims] })
    }

    /// The sequence with a linear matrix scramble and a digital shift drawn from `seed`.
    pub(crate) fn scrambled(dims: usize, seed: u64) -> Result<Sobol> {
        let mut sobol = Sobol::unscrambled(dims)?;
        let mut rng = Rng::new(seed);
        for (directions, shift) in sobol.directions.iter_mut().zip(&mut sobol.shift) {
            let matrix = lower_triangular(&mut rng);
            for v in directions.iter_mut() {
                *v = apply(&matrix, *v);
            }
            *shift = (rng.next_u64() >> (64 - BITS)) as u32;
        }
        Ok(sobol)
    }

    /// Point `index` as integers k (the coordinate is k / 2^30): the XOR of the direction
    /// integers picked by the bits of `index`'s Gray code, and the shift.
    pub(crate) fn point_bits(&self, index: u32) -> Vec<u32> {
        let gray = index ^ (index >> 1);
        self.directions
            .iter()
            .zip(&self.shift)
            .map(|(v, &shift)| (0..BITS).filter(|&j| gray >> j & 1 == 1).fold(shift, |acc, j| acc ^ v[j]))
            .collect()
    }

    /// The first `n` points, each coordinate in [0, 1).
    pub(crate) fn points(&self, n: usize) -> Result<Vec<Vec<f64>>> {
        if n as u64 > MAX_POINTS {
            return Err(Error::Design {
                message: format!("a Sobol' sequence holds at most 2^{BITS} points, {n} were asked for: ask for fewer"),
            });
        }
        let scale = 1.0 / MAX_POINTS as f64;
        Ok((0..n as u32).map(|i| self.point_bits(i).into_iter().map(|k| f64::from(k) * scale).collect()).collect())
    }
}

fn check_dims(dims: usize) -> Result<()> {
    if dims == 0 || dims > MAX_DIMS {
        return Err(Error::Design {
            message: format!(
                "the Sobol' sequence covers 1 to {MAX_DIMS} sampled params, this design has {dims}: sample fewer params (give the others no bounds or levels) or use the random design"
            ),
        });
    }
    Ok(())
}

/// The direction integers of dimension `dim` (0-based), scaled to 30 bits: Bratley & Fox's
/// recurrence on Joe & Kuo's initial numbers, as scipy's `_initialize_v`.
fn direction_integers(dim: usize) -> [u32; BITS] {
    let mut m = [1u32; BITS];
    if dim > 0 {
        let (poly, initial) = DIRECTIONS[dim - 1];
        let s = initial.len();
        m[..s].copy_from_slice(initial);
        for j in s..BITS {
            let mut next = m[j - s] ^ (m[j - s] << s);
            for k in 1..s {
                if poly >> (s - k) & 1 == 1 {
                    next ^= m[j - k] << k;
                }
            }
            m[j] = next;
        }
    }
    let mut v = [0u32; BITS];
    for (j, (slot, mj)) in v.iter_mut().zip(m).enumerate() {
        *slot = mj << (BITS - 1 - j);
    }
    v
}

/// A random lower-triangular binary matrix with unit diagonal, row `i` as a mask over the
/// bits of a 30-bit integer whose most significant bit is digit 0.
fn lower_triangular(rng: &mut Rng) -> [u32; BITS] {
    let mut rows = [0u32; BITS];
    for (i, row) in rows.iter_mut().enumerate() {
        let below_diagonal = if i == 0 { 0 } else { (rng.next_u64() >> (64 - i)) as u32 };
        // digits 0..i-1 are bits BITS-1 down to BITS-i; the diagonal digit i is bit BITS-1-i
        *row = (below_diagonal << (BITS - i)) | (1 << (BITS - 1 - i));
    }
    rows
}

/// The matrix times the digit vector of `v` (over GF(2)).
fn apply(matrix: &[u32; BITS], v: u32) -> u32 {
    matrix
        .iter()
        .enumerate()
        .fold(0, |acc, (i, row)| acc | (((row & v).count_ones() & 1) << (BITS - 1 - i)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> serde_json::Value {
        serde_json::from_str(include_str!("../../tests/reference/sobol_reference.json")).expect("reference JSON parses")
    }

    fn ints(v: &serde_json::Value) -> Vec<u64> {
        v.as_array().expect("an array").iter().map(|x| x.as_u64().expect("an integer")).collect()
    }

    #[test]
    fn table_and_direction_integers_match_scipy() {
        let r = reference();
        assert_eq!(r["dims"].as_u64(), Some(MAX_DIMS as u64));
        assert_eq!(r["bits"].as_u64(), Some(BITS as u64));
        let directions = r["directions"].as_array().unwrap();
        assert_eq!(directions.len(), DIRECTIONS.len());
        for (d, ((poly, m), want)) in DIRECTIONS.iter().zip(directions).enumerate() {
            assert_eq!(u64::from(*poly), want["poly"].as_u64().unwrap(), "polynomial of dimension {}", d + 2);
            assert_eq!(m.iter().map(|&x| u64::from(x)).collect::<Vec<_>>(), ints(&want["m"]), "m of dimension {}", d + 2);
        }
        let sv = r["sv"].as_array().unwrap();
        assert_eq!(sv.len(), MAX_DIMS);
        for (dim, want) in sv.iter().enumerate() {
            let got: Vec<u64> = direction_integers(dim).iter().map(|&v| u64::from(v)).collect();
            assert_eq!(got, ints(want), "direction integers of dimension {}", dim + 1);
        }
    }

    #[test]
    fn unscrambled_points_equal_scipys() {
        let sobol = Sobol::unscrambled(MAX_DIMS).unwrap();
        let rows = reference()["rows"].as_array().unwrap().clone();
        assert!(rows.len() > 128);
        for row in &rows {
            let index = row["index"].as_u64().unwrap() as u32;
            let want = ints(&row["k"]);
            let got: Vec<u64> = sobol.point_bits(index).into_iter().map(u64::from).collect();
            assert_eq!(got, want, "point {index}");
        }
        // as floats, exactly: the first 128 points in one go
        let points = sobol.points(128).unwrap();
        for (i, row) in rows.iter().filter(|r| r["index"].as_u64().unwrap() < 128).enumerate() {
            let want: Vec<f64> = ints(&row["k"]).into_iter().map(|k| k as f64 / (1u64 << 30) as f64).collect();
            assert_eq!(points[i], want, "point {i} as floats");
        }
        assert!(points[0].iter().all(|&x| x == 0.0), "the unscrambled sequence starts at the origin");
    }

    /// For n = 2^m: one point in each [k/2^m, (k+1)/2^m) of every dimension, and in each
    /// elementary box of area 2^-m of the first two dimensions.
    fn assert_net(points: &[Vec<f64>], m: u32) {
        let n = 1usize << m;
        assert_eq!(points.len(), n);
        for d in 0..points[0].len() {
            let mut hits = vec![0u32; n];
            for p in points {
                assert!((0.0..1.0).contains(&p[d]), "{} outside [0, 1)", p[d]);
                hits[(p[d] * n as f64) as usize] += 1;
            }
            assert!(hits.iter().all(|&h| h == 1), "dimension {d}: intervals hold {hits:?} points, not one each");
        }
        for a in 0..=m {
            let (cols, rows) = (1usize << a, 1usize << (m - a));
            let mut hits = vec![0u32; n];
            for p in points {
                hits[(p[0] * cols as f64) as usize * rows + (p[1] * rows as f64) as usize] += 1;
            }
            assert!(hits.iter().all(|&h| h == 1), "boxes {cols}x{rows} of dimensions 0 and 1 are not one point each");
        }
    }

    #[test]
    fn scrambled_points_keep_the_net_structure() {
        for (m, seed) in [(4, 1), (7, 2), (10, 3)] {
            assert_net(&Sobol::scrambled(MAX_DIMS, seed).unwrap().points(1 << m).unwrap(), m);
        }
        assert_net(&Sobol::unscrambled(MAX_DIMS).unwrap().points(1 << 8).unwrap(), 8);
    }

    #[test]
    fn scrambling_follows_the_seed() {
        let a = Sobol::scrambled(5, 42).unwrap().points(32).unwrap();
        assert_eq!(a, Sobol::scrambled(5, 42).unwrap().points(32).unwrap());
        let b = Sobol::scrambled(5, 43).unwrap().points(32).unwrap();
        assert_ne!(a, b);
        let plain = Sobol::unscrambled(5).unwrap().points(32).unwrap();
        assert_ne!(a, plain);
        // a scrambled first point is not the origin
        assert!(a[0].iter().any(|&x| x != 0.0));
    }

    #[test]
    fn dimensions_outside_the_table_are_errors() {
        for dims in [0, MAX_DIMS + 1] {
            let e = Sobol::unscrambled(dims).unwrap_err().to_string();
            assert!(e.contains("1 to 64") && e.contains(&dims.to_string()), "{e}");
        }
        assert_eq!(Sobol::unscrambled(3).unwrap().points(2).unwrap()[1].len(), 3);
    }
}
