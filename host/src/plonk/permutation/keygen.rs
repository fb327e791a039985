//! Builds σ from the copy constraints: cells joined by copies form cycles, and σ maps each cell to
//! the next cell of its cycle (halo2's union-by-size cycle splicing).

use super::shifts;
use crate::error::{Error, Result};
use crate::plonk::circuit::{Cell, Column};
use crate::poly::Domain;
use crate::Fr;

/// Returns the values of σ_j on H for every permutation column.
pub fn sigma_values(domain: &Domain, columns: &[Column], copies: &[(Cell, Cell)]) -> Result<Vec<Vec<Fr>>> {
    let n = domain.n;
    let m = columns.len();
    let pos = |c: &Cell| -> Result<(usize, usize)> {
        let j = columns
            .iter()
            .position(|col| *col == c.column)
            .ok_or_else(|| Error::Circuit(format!("copy constraint on {:?}, which has no equality enabled", c.column)))?;
        if c.row >= n {
            return Err(Error::Circuit(format!("copy constraint on row {} of a {n}-row circuit", c.row)));
        }
        Ok((j, c.row))
    };
    // mapping: next cell of the cycle; aux: the cycle's representative; sizes: cycle sizes.
    let mut mapping: Vec<Vec<(usize, usize)>> = (0..m).map(|j| (0..n).map(|i| (j, i)).collect()).collect();
    let mut aux = mapping.clone();
    let mut sizes = vec![vec![1usize; n]; m];
    for (a, b) in copies {
        let (mut l, mut r) = (pos(a)?, pos(b)?);
        let (mut lr, mut rr) = (aux[l.0][l.1], aux[r.0][r.1]);
        if lr == rr {
            continue;
        }
        if sizes[lr.0][lr.1] < sizes[rr.0][rr.1] {
            std::mem::swap(&mut l, &mut r);
            std::mem::swap(&mut lr, &mut rr);
        }
        // Merge r's cycle into l's.
        sizes[lr.0][lr.1] += sizes[rr.0][rr.1];
        let mut cur = r;
        loop {
            aux[cur.0][cur.1] = lr;
            cur = mapping[cur.0][cur.1];
            if cur == r {
                break;
            }
        }
        let tmp = mapping[l.0][l.1];
        mapping[l.0][l.1] = mapping[r.0][r.1];
        mapping[r.0][r.1] = tmp;
    }
    let k = shifts(m);
    let omegas: Vec<Fr> = crate::poly::powers(domain.omega, n);
    Ok(mapping.iter().map(|col| col.iter().map(|&(j, i)| k[j] * omegas[i]).collect()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plonk::circuit::ColumnKind;
    use std::collections::HashMap;

    #[test]
    fn sigma_is_a_permutation_whose_cycles_are_the_copy_classes() {
        let domain = Domain::new(3).unwrap();
        let cols: Vec<Column> = (0..3).map(|index| Column { kind: ColumnKind::Advice, index }).collect();
        let cell = |c: usize, row: usize| Cell { column: cols[c], row };
        let copies = vec![(cell(0, 0), cell(1, 3)), (cell(1, 3), cell(2, 7)), (cell(2, 1), cell(0, 5)), (cell(0, 0), cell(2, 7))];
        let sigma = sigma_values(&domain, &cols, &copies).unwrap();
        let k = shifts(3);
        let tag = |c: usize, r: usize| k[c] * domain.element(r);
        let index: HashMap<_, _> = (0..3).flat_map(|c| (0..8).map(move |r| (c, r))).map(|(c, r)| (tag(c, r), (c, r))).collect();
        // σ is a bijection on tags.
        let mut image: Vec<_> = sigma.iter().flatten().map(|t| index[t]).collect();
        image.sort();
        let mut all: Vec<_> = index.values().copied().collect();
        all.sort();
        assert_eq!(image, all);
        // Orbits: {(0,0),(1,3),(2,7)}, {(2,1),(0,5)}, the rest fixed points.
        let orbit = |start: (usize, usize)| {
            let mut o = vec![start];
            let mut cur = index[&sigma[start.0][start.1]];
            while cur != start {
                o.push(cur);
                cur = index[&sigma[cur.0][cur.1]];
            }
            o.sort();
            o
        };
        assert_eq!(orbit((1, 3)), vec![(0, 0), (1, 3), (2, 7)]);
        assert_eq!(orbit((0, 5)), vec![(0, 5), (2, 1)]);
        assert_eq!(orbit((1, 1)), vec![(1, 1)]);
        let bad = Cell { column: Column { kind: ColumnKind::Fixed, index: 0 }, row: 0 };
        assert!(sigma_values(&domain, &cols, &[(bad, cell(0, 0))]).is_err());
        assert!(sigma_values(&domain, &cols, &[(cell(0, 8), cell(0, 0))]).is_err());
    }
}
