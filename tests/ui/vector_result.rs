use autodiff::grad;

#[grad]
fn pair(x: f64) -> (f64, f64) {
    (x, x * x, 1.0)
}

#[grad]
fn early(x: f64) -> [f64; 2] {
    if x > 0.0 {
        return [x, x];
    }
    [0.0, x]
}

#[grad]
fn mixed(x: f64) -> (f64, f32) {
    (x, 1.0)
}

#[grad(trace)]
fn traced(x: f64) -> [f64; 2] {
    [x, x * x]
}

fn main() {}
