package eval

import "math"

// MaxWeightAssignment solves the assignment problem with the Hungarian
// (Kuhn-Munkres) algorithm: it pairs rows of w with distinct columns so that
// the sum of the chosen weights is as large as possible. w may be
// rectangular (every row has the same length); with more rows than columns
// some rows stay unassigned. It returns, for each row, its column (-1 when
// unassigned) and the total weight. Runs in O(n^2 m) for an n x m matrix
// with n <= m (the smaller side is put on the rows). CEAF needs it to align
// key and response entities; it is exported because it is useful on its own.
func MaxWeightAssignment(w [][]float64) (rowToCol []int, total float64) {
	n := len(w)
	if n == 0 {
		return []int{}, 0
	}
	m := len(w[0])
	rowToCol = make([]int, n)
	for i := range rowToCol {
		rowToCol[i] = -1
	}
	if m == 0 {
		return rowToCol, 0
	}
	if n <= m {
		colOf := hungarianMin(n, m, func(i, j int) float64 { return -w[i][j] })
		for i, j := range colOf {
			rowToCol[i] = j
			total += w[i][j]
		}
		return rowToCol, total
	}
	// More rows than columns: solve the transpose.
	rowOf := hungarianMin(m, n, func(j, i int) float64 { return -w[i][j] })
	for j, i := range rowOf {
		rowToCol[i] = j
		total += w[i][j]
	}
	return rowToCol, total
}

// hungarianMin assigns each of n rows to a distinct one of m >= n columns
// minimising the total cost(i, j), with the O(n^2 m) shortest augmenting
// path formulation of Kuhn-Munkres (potentials u, v; p[j] is the row
// matched to column j, 1-based with 0 meaning free). It returns the column
// of every row.
func hungarianMin(n, m int, cost func(i, j int) float64) []int {
	inf := math.Inf(1)
	u := make([]float64, n+1)
	v := make([]float64, m+1)
	p := make([]int, m+1)
	way := make([]int, m+1)
	minv := make([]float64, m+1)
	used := make([]bool, m+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = inf
			used[j] = false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], inf, 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				cur := cost(i0-1, j-1) - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	col := make([]int, n)
	for j := 1; j <= m; j++ {
		if p[j] != 0 {
			col[p[j]-1] = j - 1
		}
	}
	return col
}
