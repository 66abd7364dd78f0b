use autodiff::grad;

#[grad]
fn polar(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[grad]
fn f(x: f64) -> f64 {
    let p = polar(x, 1.0);
    let q = polar(x, 2.0).1;
    p.0 * q
}

fn main() {}
