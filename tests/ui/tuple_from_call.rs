use autodiff::grad;

#[grad]
fn polar(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[grad]
fn f(x: f64) -> f64 {
    let (a, b) = polar(x, 1.0);
    a * b
}

fn main() {}
