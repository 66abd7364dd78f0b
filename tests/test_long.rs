//! A long function (about 650 IR statements at its top level, loops and branches among them),
//! whose core function declares its top-level names up front: checked against central
//! differences and through `_vjp`.
#![allow(clippy::needless_range_loop)]

use autodiff::check::{gradcheck, Tolerance};
use autodiff::grad;

#[grad]
#[rustfmt::skip]
fn long(x: f64, y: f64, w: &[f64]) -> f64 {
    let mut s = 0.5 * y;
    let mut buf = [0.0; 8];
    let v0 = x * y;
    s = s * 0.9 + v0 * 0.1;
    let v1 = s.sin();
    buf[2] = v1 * w[2];
    let v2 = buf[6] + v0 * 0.5;
    let v3 = if v2 > 0.1 { v2 * x } else { v1 - y };
    s += v3.cos() * 0.01;
    let v4 = v3 * 0.5 + s * 0.25;
    let mut t5 = 0.0;
    for i in 0..w.len() { t5 += w[i] * v4; }
    let v5 = (t5 * 0.1).sin() + v0 * 0.9;
    let v6 = (v5 * v4).abs().sqrt() * 0.5 + 0.1 * x;
    let v7 = (v6 * 0.99 + v0 * 0.01).tanh();
    s = s * 0.9 + v7 * 0.1;
    let v8 = s.sin();
    buf[1] = v8 * w[0];
    let v9 = buf[3] + v0 * 0.5;
    let v10 = if v9 > 0.1 { v9 * x } else { v8 - y };
    s += v10.cos() * 0.01;
    let v11 = v10 * 0.5 + s * 0.25;
    let mut t12 = 0.0;
    for i in 0..w.len() { t12 += w[i] * v11; }
    let v12 = (t12 * 0.1).sin() + v0 * 0.9;
    let v13 = (v12 * v1).abs().sqrt() * 0.5 + 0.1 * x;
    let v14 = (v13 * 0.99 + v6 * 0.01).tanh();
    s = s * 0.9 + v14 * 0.1;
    let v15 = s.sin();
    buf[0] = v15 * w[1];
    let v16 = buf[0] + v2 * 0.5;
    let v17 = if v16 > 0.1 { v16 * x } else { v7 - y };
    s += v17.cos() * 0.01;
    let v18 = v17 * 0.5 + s * 0.25;
    let mut t19 = 0.0;
    for i in 0..w.len() { t19 += w[i] * v18; }
    let v19 = (t19 * 0.1).sin() + v17 * 0.9;
    let v20 = (v19 * v13).abs().sqrt() * 0.5 + 0.1 * x;
    let v21 = (v20 * 0.99 + v1 * 0.01).tanh();
    s = s * 0.9 + v21 * 0.1;
    let v22 = s.sin();
    buf[7] = v22 * w[2];
    let v23 = buf[5] + v3 * 0.5;
    let v24 = if v23 > 0.1 { v23 * x } else { v7 - y };
    s += v24.cos() * 0.01;
    let v25 = v24 * 0.5 + s * 0.25;
    let mut t26 = 0.0;
    for i in 0..w.len() { t26 += w[i] * v25; }
    let v26 = (t26 * 0.1).sin() + v20 * 0.9;
    let v27 = (v26 * v18).abs().sqrt() * 0.5 + 0.1 * x;
    let v28 = (v27 * 0.99 + v1 * 0.01).tanh();
    s = s * 0.9 + v28 * 0.1;
    let v29 = s.sin();
    buf[6] = v29 * w[0];
    let v30 = buf[2] + v18 * 0.5;
    let v31 = if v30 > 0.1 { v30 * x } else { v12 - y };
    s += v31.cos() * 0.01;
    let v32 = v31 * 0.5 + s * 0.25;
    let mut t33 = 0.0;
    for i in 0..w.len() { t33 += w[i] * v32; }
    let v33 = (t33 * 0.1).sin() + v14 * 0.9;
    let v34 = (v33 * v2).abs().sqrt() * 0.5 + 0.1 * x;
    let v35 = (v34 * 0.99 + v8 * 0.01).tanh();
    s = s * 0.9 + v35 * 0.1;
    let v36 = s.sin();
    buf[5] = v36 * w[1];
    let v37 = buf[7] + v26 * 0.5;
    let v38 = if v37 > 0.1 { v37 * x } else { v9 - y };
    s += v38.cos() * 0.01;
    let v39 = v38 * 0.5 + s * 0.25;
    let mut t40 = 0.0;
    for i in 0..w.len() { t40 += w[i] * v39; }
    let v40 = (t40 * 0.1).sin() + v7 * 0.9;
    let v41 = (v40 * v36).abs().sqrt() * 0.5 + 0.1 * x;
    let v42 = (v41 * 0.99 + v19 * 0.01).tanh();
    s = s * 0.9 + v42 * 0.1;
    let v43 = s.sin();
    buf[4] = v43 * w[2];
    let v44 = buf[4] + v43 * 0.5;
    let v45 = if v44 > 0.1 { v44 * x } else { v11 - y };
    s += v45.cos() * 0.01;
    let v46 = v45 * 0.5 + s * 0.25;
    let mut t47 = 0.0;
    for i in 0..w.len() { t47 += w[i] * v46; }
    let v47 = (t47 * 0.1).sin() + v37 * 0.9;
    let v48 = (v47 * v36).abs().sqrt() * 0.5 + 0.1 * x;
    let v49 = (v48 * 0.99 + v40 * 0.01).tanh();
    s = s * 0.9 + v49 * 0.1;
    let v50 = s.sin();
    buf[3] = v50 * w[0];
    let v51 = buf[1] + v23 * 0.5;
    let v52 = if v51 > 0.1 { v51 * x } else { v6 - y };
    s += v52.cos() * 0.01;
    let v53 = v52 * 0.5 + s * 0.25;
    let mut t54 = 0.0;
    for i in 0..w.len() { t54 += w[i] * v53; }
    let v54 = (t54 * 0.1).sin() + v45 * 0.9;
    let v55 = (v54 * v4).abs().sqrt() * 0.5 + 0.1 * x;
    let v56 = (v55 * 0.99 + v36 * 0.01).tanh();
    s = s * 0.9 + v56 * 0.1;
    let v57 = s.sin();
    buf[2] = v57 * w[1];
    let v58 = buf[6] + v39 * 0.5;
    let v59 = if v58 > 0.1 { v58 * x } else { v13 - y };
    s += v59.cos() * 0.01;
    let v60 = v59 * 0.5 + s * 0.25;
    let mut t61 = 0.0;
    for i in 0..w.len() { t61 += w[i] * v60; }
    let v61 = (t61 * 0.1).sin() + v43 * 0.9;
    let v62 = (v61 * v34).abs().sqrt() * 0.5 + 0.1 * x;
    let v63 = (v62 * 0.99 + v27 * 0.01).tanh();
    s = s * 0.9 + v63 * 0.1;
    let v64 = s.sin();
    buf[1] = v64 * w[2];
    let v65 = buf[3] + v59 * 0.5;
    let v66 = if v65 > 0.1 { v65 * x } else { v58 - y };
    s += v66.cos() * 0.01;
    let v67 = v66 * 0.5 + s * 0.25;
    let mut t68 = 0.0;
    for i in 0..w.len() { t68 += w[i] * v67; }
    let v68 = (t68 * 0.1).sin() + v38 * 0.9;
    let v69 = (v68 * v31).abs().sqrt() * 0.5 + 0.1 * x;
    let v70 = (v69 * 0.99 + v23 * 0.01).tanh();
    s = s * 0.9 + v70 * 0.1;
    let v71 = s.sin();
    buf[0] = v71 * w[0];
    let v72 = buf[0] + v10 * 0.5;
    let v73 = if v72 > 0.1 { v72 * x } else { v38 - y };
    s += v73.cos() * 0.01;
    let v74 = v73 * 0.5 + s * 0.25;
    let mut t75 = 0.0;
    for i in 0..w.len() { t75 += w[i] * v74; }
    let v75 = (t75 * 0.1).sin() + v63 * 0.9;
    let v76 = (v75 * v43).abs().sqrt() * 0.5 + 0.1 * x;
    let v77 = (v76 * 0.99 + v57 * 0.01).tanh();
    s = s * 0.9 + v77 * 0.1;
    let v78 = s.sin();
    buf[7] = v78 * w[1];
    let v79 = buf[5] + v77 * 0.5;
    let v80 = if v79 > 0.1 { v79 * x } else { v9 - y };
    s += v80.cos() * 0.01;
    let v81 = v80 * 0.5 + s * 0.25;
    let mut t82 = 0.0;
    for i in 0..w.len() { t82 += w[i] * v81; }
    let v82 = (t82 * 0.1).sin() + v65 * 0.9;
    let v83 = (v82 * v53).abs().sqrt() * 0.5 + 0.1 * x;
    let v84 = (v83 * 0.99 + v21 * 0.01).tanh();
    s = s * 0.9 + v84 * 0.1;
    let v85 = s.sin();
    buf[6] = v85 * w[2];
    let v86 = buf[2] + v19 * 0.5;
    let v87 = if v86 > 0.1 { v86 * x } else { v62 - y };
    s += v87.cos() * 0.01;
    let v88 = v87 * 0.5 + s * 0.25;
    let mut t89 = 0.0;
    for i in 0..w.len() { t89 += w[i] * v88; }
    let v89 = (t89 * 0.1).sin() + v5 * 0.9;
    let v90 = (v89 * v85).abs().sqrt() * 0.5 + 0.1 * x;
    let v91 = (v90 * 0.99 + v9 * 0.01).tanh();
    s = s * 0.9 + v91 * 0.1;
    let v92 = s.sin();
    buf[5] = v92 * w[0];
    let v93 = buf[7] + v73 * 0.5;
    let v94 = if v93 > 0.1 { v93 * x } else { v40 - y };
    s += v94.cos() * 0.01;
    let v95 = v94 * 0.5 + s * 0.25;
    let mut t96 = 0.0;
    for i in 0..w.len() { t96 += w[i] * v95; }
    let v96 = (t96 * 0.1).sin() + v88 * 0.9;
    let v97 = (v96 * v44).abs().sqrt() * 0.5 + 0.1 * x;
    let v98 = (v97 * 0.99 + v76 * 0.01).tanh();
    s = s * 0.9 + v98 * 0.1;
    let v99 = s.sin();
    buf[4] = v99 * w[1];
    let v100 = buf[4] + v74 * 0.5;
    let v101 = if v100 > 0.1 { v100 * x } else { v58 - y };
    s += v101.cos() * 0.01;
    let v102 = v101 * 0.5 + s * 0.25;
    let mut t103 = 0.0;
    for i in 0..w.len() { t103 += w[i] * v102; }
    let v103 = (t103 * 0.1).sin() + v11 * 0.9;
    let v104 = (v103 * v34).abs().sqrt() * 0.5 + 0.1 * x;
    let v105 = (v104 * 0.99 + v60 * 0.01).tanh();
    s = s * 0.9 + v105 * 0.1;
    let v106 = s.sin();
    buf[3] = v106 * w[2];
    let v107 = buf[1] + v85 * 0.5;
    let v108 = if v107 > 0.1 { v107 * x } else { v8 - y };
    s += v108.cos() * 0.01;
    let v109 = v108 * 0.5 + s * 0.25;
    let mut t110 = 0.0;
    for i in 0..w.len() { t110 += w[i] * v109; }
    let v110 = (t110 * 0.1).sin() + v93 * 0.9;
    let v111 = (v110 * v89).abs().sqrt() * 0.5 + 0.1 * x;
    let v112 = (v111 * 0.99 + v39 * 0.01).tanh();
    s = s * 0.9 + v112 * 0.1;
    let v113 = s.sin();
    buf[2] = v113 * w[0];
    let v114 = buf[6] + v73 * 0.5;
    let v115 = if v114 > 0.1 { v114 * x } else { v87 - y };
    s += v115.cos() * 0.01;
    let v116 = v115 * 0.5 + s * 0.25;
    let mut t117 = 0.0;
    for i in 0..w.len() { t117 += w[i] * v116; }
    let v117 = (t117 * 0.1).sin() + v57 * 0.9;
    let v118 = (v117 * v36).abs().sqrt() * 0.5 + 0.1 * x;
    let v119 = (v118 * 0.99 + v91 * 0.01).tanh();
    s = s * 0.9 + v119 * 0.1;
    let v120 = s.sin();
    buf[1] = v120 * w[1];
    let v121 = buf[3] + v113 * 0.5;
    let v122 = if v121 > 0.1 { v121 * x } else { v85 - y };
    s += v122.cos() * 0.01;
    let v123 = v122 * 0.5 + s * 0.25;
    let mut t124 = 0.0;
    for i in 0..w.len() { t124 += w[i] * v123; }
    let v124 = (t124 * 0.1).sin() + v2 * 0.9;
    let v125 = (v124 * v120).abs().sqrt() * 0.5 + 0.1 * x;
    let v126 = (v125 * 0.99 + v59 * 0.01).tanh();
    s = s * 0.9 + v126 * 0.1;
    let v127 = s.sin();
    buf[0] = v127 * w[2];
    let v128 = buf[0] + v43 * 0.5;
    let v129 = if v128 > 0.1 { v128 * x } else { v29 - y };
    s += v129.cos() * 0.01;
    let v130 = v129 * 0.5 + s * 0.25;
    let mut t131 = 0.0;
    for i in 0..w.len() { t131 += w[i] * v130; }
    let v131 = (t131 * 0.1).sin() + v15 * 0.9;
    let v132 = (v131 * v55).abs().sqrt() * 0.5 + 0.1 * x;
    let v133 = (v132 * 0.99 + v73 * 0.01).tanh();
    s = s * 0.9 + v133 * 0.1;
    let v134 = s.sin();
    buf[7] = v134 * w[0];
    let v135 = buf[5] + v63 * 0.5;
    let v136 = if v135 > 0.1 { v135 * x } else { v101 - y };
    s += v136.cos() * 0.01;
    let v137 = v136 * 0.5 + s * 0.25;
    let mut t138 = 0.0;
    for i in 0..w.len() { t138 += w[i] * v137; }
    let v138 = (t138 * 0.1).sin() + v127 * 0.9;
    let v139 = (v138 * v20).abs().sqrt() * 0.5 + 0.1 * x;
    let v140 = (v139 * 0.99 + v42 * 0.01).tanh();
    s = s * 0.9 + v140 * 0.1;
    let v141 = s.sin();
    buf[6] = v141 * w[1];
    let v142 = buf[2] + v102 * 0.5;
    let v143 = if v142 > 0.1 { v142 * x } else { v140 - y };
    s += v143.cos() * 0.01;
    let v144 = v143 * 0.5 + s * 0.25;
    let mut t145 = 0.0;
    for i in 0..w.len() { t145 += w[i] * v144; }
    let v145 = (t145 * 0.1).sin() + v35 * 0.9;
    let v146 = (v145 * v110).abs().sqrt() * 0.5 + 0.1 * x;
    let v147 = (v146 * 0.99 + v140 * 0.01).tanh();
    s = s * 0.9 + v147 * 0.1;
    let v148 = s.sin();
    buf[5] = v148 * w[2];
    let v149 = buf[7] + v106 * 0.5;
    let v150 = if v149 > 0.1 { v149 * x } else { v91 - y };
    s += v150.cos() * 0.01;
    let v151 = v150 * 0.5 + s * 0.25;
    let mut t152 = 0.0;
    for i in 0..w.len() { t152 += w[i] * v151; }
    let v152 = (t152 * 0.1).sin() + v59 * 0.9;
    let v153 = (v152 * v38).abs().sqrt() * 0.5 + 0.1 * x;
    let v154 = (v153 * 0.99 + v21 * 0.01).tanh();
    s = s * 0.9 + v154 * 0.1;
    let v155 = s.sin();
    buf[4] = v155 * w[0];
    let v156 = buf[4] + v38 * 0.5;
    let v157 = if v156 > 0.1 { v156 * x } else { v59 - y };
    s += v157.cos() * 0.01;
    let v158 = v157 * 0.5 + s * 0.25;
    let mut t159 = 0.0;
    for i in 0..w.len() { t159 += w[i] * v158; }
    let v159 = (t159 * 0.1).sin() + v3 * 0.9;
    v159 + s + buf[3]
}

#[test]
fn a_long_function_cut_into_blocks() {
    let w = [0.3, -0.7, 1.1];
    let (x, y) = (0.8, -0.4);
    let (v, (gx, gy, gw)) = long_grad(x, y, &w);
    assert_eq!(v, long(x, y, &w));
    let at = [x, y, w[0], w[1], w[2]];
    let g = [gx, gy, gw[0], gw[1], gw[2]];
    gradcheck(
        |z: &[f64]| long(z[0], z[1], &z[2..]),
        &at,
        &g,
        &Tolerance::default(),
    )
    .unwrap();
    let (mut bx, mut by, mut bw) = (1.0, 2.0, vec![0.5, 0.0, -1.0]);
    long_vjp(x, y, &w, 0.5, &mut bx, &mut by, &mut bw);
    assert!((bx - (1.0 + 0.5 * gx)).abs() < 1e-12);
    assert!((by - (2.0 + 0.5 * gy)).abs() < 1e-12);
    for (k, b0) in [0.5, 0.0, -1.0].iter().enumerate() {
        assert!((bw[k] - (b0 + 0.5 * gw[k])).abs() < 1e-12);
    }
}
